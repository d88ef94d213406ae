/**
 * What Parley itself says to customers (not model-written), in each supported language. Pure data:
 * the workflow picks the text, so a replay always picks the same one.
 */
export type CustomerMessageKey =
  | 'acknowledge'
  | 'ai_disclosure'
  | 'handoff'
  | 'handoff_unanswered'
  | 'handoff_wait_soon'
  | 'handoff_wait_opening'
  | 'csat_question'
  | 'csat_great'
  | 'csat_ok'
  | 'csat_bad'
  | 'csat_thanks'
  | 'csat_comment_prompt'
  | 'csat_comment_thanks'
  | 'media_too_large'
  | 'media_unsupported_type'
  | 'media_unreadable'
  | 'media_no_text'
  | 'voice_empty'
  | 'media_not_processed'
  | 'action_confirm'
  | 'action_cancel'
  | 'action_cancelled'
  | 'action_expired'
  | 'action_failed'
  | 'refund_started'
  | 'refund_needs_approval'
  | 'refund_succeeded'
  | 'refund_failed'
  | 'refund_rejected'
  | 'erasure_ask'
  | 'erasure_confirm'
  | 'erasure_keep'
  | 'erasure_started'
  | 'erasure_kept';

const texts: Record<string, Record<CustomerMessageKey, string>> = {
  en: {
    acknowledge: 'Thanks{name}! We have received your message and will get back to you shortly.',
    ai_disclosure: "Hi{name}! I'm an AI assistant. A person can take over at any time, just ask.",
    handoff: "I'm passing your question to a colleague, who will reply here as soon as possible.",
    handoff_unanswered:
      "I don't have a reliable answer to that, so I'm passing your question to a colleague, who will reply here as soon as possible.",
    handoff_wait_soon: 'A colleague will reply here within about {minutes} minutes.',
    handoff_wait_opening:
      'Our team is away right now: a colleague will reply here when we open again, {when}.',
    csat_question: 'How did we do? Your answer helps us improve.',
    csat_great: '😀 Great',
    csat_ok: '😐 OK',
    csat_bad: '😞 Not good',
    csat_thanks: 'Thank you for your feedback!',
    csat_comment_prompt: 'Sorry to hear that. What could we have done better? Just reply here if you like.',
    csat_comment_thanks: 'Thank you, we have passed your comment on to the team.',
    media_too_large: 'Sorry, that file is too large for us to open. Could you send a smaller photo or a PDF?',
    media_unsupported_type: "Sorry, I can't open this type of file. Could you send a photo or a PDF instead?",
    media_unreadable: "Sorry, I couldn't open that file, it seems to be damaged. Could you send it again?",
    media_no_text:
      "Sorry, I couldn't read any text in that document. Could you send a clearer photo or a PDF?",
    voice_empty: "Sorry, I couldn't make out your voice message. Could you say it again or type it?",
    media_not_processed:
      'Thanks, we received your document. For your privacy we do not analyse identity documents automatically; a colleague will look at it if needed.',
    action_confirm: '✅ Confirm',
    action_cancel: 'Cancel',
    action_cancelled: 'Okay, I have cancelled that request. Nothing was changed.',
    action_expired: 'That request has expired, so nothing was changed. Just ask again if you still need it.',
    action_failed:
      "Sorry, I couldn't complete that just now. A colleague will look into it and get back to you here.",
    refund_started:
      "Thanks, your refund of {amount} is on its way. I'll confirm here once it has gone through.",
    refund_needs_approval:
      'Thanks. Refunds of this amount ({amount}) are approved by a colleague: they will look at it shortly, and I will let you know here.',
    refund_succeeded:
      'Your refund of {amount} has been issued. Depending on your bank it can take 5–10 working days to appear on your statement.',
    refund_failed:
      "Sorry, your refund of {amount} couldn't be processed just now. Our team has been alerted and will complete it; I'll confirm here.",
    refund_rejected:
      'Your refund request of {amount} was not approved. A colleague will explain why here, or reply if you have questions.',
    erasure_ask:
      "You asked us to delete your data. If you confirm, we delete this conversation and everything we keep about you: your messages, transcripts and photos' descriptions, tickets and survey answers. What the law requires us to keep (the accounting record of a refund) is kept without your name or number. This cannot be undone.",
    erasure_confirm: '🗑️ Delete my data',
    erasure_keep: 'Keep my data',
    erasure_started:
      'Your data is being deleted now. This is the last message you receive from us unless you write again.',
    erasure_kept: 'Okay, nothing was deleted.',
  },
  fr: {
    acknowledge: 'Merci{name} ! Nous avons bien reçu votre message et revenons vers vous très vite.',
    ai_disclosure:
      'Bonjour{name} ! Je suis un assistant virtuel (IA). Une personne peut prendre le relais à tout moment, il suffit de le demander.',
    handoff: 'Je transmets votre demande à un collègue, qui vous répondra ici dès que possible.',
    handoff_unanswered:
      "Je n'ai pas de réponse fiable à cette question ; je la transmets donc à un collègue, qui vous répondra ici dès que possible.",
    handoff_wait_soon: "Un collègue vous répondra ici d'ici environ {minutes} minutes.",
    handoff_wait_opening:
      'Notre équipe est absente pour le moment : un collègue vous répondra ici dès notre réouverture, {when}.',
    csat_question: "Comment s'est passé notre échange ? Votre réponse nous aide à progresser.",
    csat_great: '😀 Très bien',
    csat_ok: '😐 Correct',
    csat_bad: '😞 Pas bien',
    csat_thanks: 'Merci pour votre avis !',
    csat_comment_prompt:
      "Désolé de l'apprendre. Qu'aurions-nous pu mieux faire ? Répondez simplement ici si vous le souhaitez.",
    csat_comment_thanks: "Merci, nous avons transmis votre commentaire à l'équipe.",
    media_too_large:
      'Désolé, ce fichier est trop volumineux. Pourriez-vous envoyer une photo plus légère ou un PDF ?',
    media_unsupported_type:
      'Désolé, je ne peux pas ouvrir ce type de fichier. Pourriez-vous envoyer une photo ou un PDF ?',
    media_unreadable:
      "Désolé, je n'ai pas pu ouvrir ce fichier, il semble endommagé. Pourriez-vous le renvoyer ?",
    media_no_text:
      "Désolé, je n'ai pas pu lire de texte dans ce document. Pourriez-vous envoyer une photo plus nette ou un PDF ?",
    voice_empty: "Désolé, je n'ai pas compris votre message vocal. Pourriez-vous le répéter ou l'écrire ?",
    media_not_processed:
      "Merci, nous avons bien reçu votre document. Pour protéger vos données, nous n'analysons pas automatiquement les pièces d'identité ; un collègue le consultera si nécessaire.",
    action_confirm: '✅ Confirmer',
    action_cancel: 'Annuler',
    action_cancelled: "C'est noté, j'ai annulé cette demande. Rien n'a été modifié.",
    action_expired: "Cette demande a expiré, rien n'a donc été modifié. Redemandez-moi si besoin.",
    action_failed:
      "Désolé, je n'ai pas pu finaliser cela pour le moment. Un collègue va s'en occuper et vous répondra ici.",
    refund_started:
      'Merci, votre remboursement de {amount} est en cours. Je vous le confirmerai ici dès qu’il sera effectué.',
    refund_needs_approval:
      "Merci. Les remboursements de ce montant ({amount}) sont validés par un collègue : il l'examinera rapidement et je vous tiendrai informé ici.",
    refund_succeeded:
      'Votre remboursement de {amount} a été effectué. Selon votre banque, il peut apparaître sous 5 à 10 jours ouvrés.',
    refund_failed:
      "Désolé, votre remboursement de {amount} n'a pas pu être traité pour le moment. Notre équipe est prévenue et le finalisera ; je vous le confirmerai ici.",
    refund_rejected:
      "Votre demande de remboursement de {amount} n'a pas été acceptée. Un collègue vous expliquera pourquoi ici ; n'hésitez pas à répondre si vous avez des questions.",
    erasure_ask:
      "Vous nous avez demandé de supprimer vos données. Si vous confirmez, nous supprimons cette conversation et tout ce que nous gardons sur vous : vos messages, transcriptions et descriptions de photos, tickets et réponses aux enquêtes. Ce que la loi nous oblige à garder (la trace comptable d'un remboursement) est conservé sans votre nom ni votre numéro. C'est irréversible.",
    erasure_confirm: '🗑️ Supprimer',
    erasure_keep: 'Garder mes données',
    erasure_started:
      "Vos données sont en cours de suppression. C'est le dernier message que vous recevez de nous, sauf si vous nous écrivez à nouveau.",
    erasure_kept: "D'accord, rien n'a été supprimé.",
  },
  nl: {
    acknowledge: 'Bedankt{name}! We hebben je bericht ontvangen en komen zo snel mogelijk bij je terug.',
    ai_disclosure:
      'Hoi{name}! Ik ben een virtuele assistent (AI). Een medewerker kan het op elk moment overnemen, vraag het gerust.',
    handoff: 'Ik geef je vraag door aan een collega, die hier zo snel mogelijk antwoordt.',
    handoff_unanswered:
      'Daar heb ik geen betrouwbaar antwoord op, dus ik geef je vraag door aan een collega, die hier zo snel mogelijk antwoordt.',
    handoff_wait_soon: 'Een collega antwoordt hier binnen ongeveer {minutes} minuten.',
    handoff_wait_opening:
      'Ons team is nu niet bereikbaar: een collega antwoordt hier zodra we weer open zijn, {when}.',
    csat_question: 'Hoe hebben we het gedaan? Je antwoord helpt ons beter te worden.',
    csat_great: '😀 Goed',
    csat_ok: '😐 Oké',
    csat_bad: '😞 Niet goed',
    csat_thanks: 'Bedankt voor je feedback!',
    csat_comment_prompt: 'Jammer om te horen. Wat hadden we beter kunnen doen? Antwoord hier als je wilt.',
    csat_comment_thanks: 'Bedankt, we hebben je opmerking doorgegeven aan het team.',
    media_too_large: 'Sorry, dat bestand is te groot. Kun je een kleinere foto of een pdf sturen?',
    media_unsupported_type: 'Sorry, dit type bestand kan ik niet openen. Kun je een foto of een pdf sturen?',
    media_unreadable:
      'Sorry, ik kon dat bestand niet openen, het lijkt beschadigd. Kun je het opnieuw sturen?',
    media_no_text:
      'Sorry, ik kon geen tekst lezen in dat document. Kun je een scherpere foto of een pdf sturen?',
    voice_empty: 'Sorry, ik kon je spraakbericht niet verstaan. Kun je het herhalen of typen?',
    media_not_processed:
      'Bedankt, we hebben je document ontvangen. Voor je privacy analyseren we identiteitsbewijzen niet automatisch; een collega bekijkt het indien nodig.',
    action_confirm: '✅ Bevestigen',
    action_cancel: 'Annuleren',
    action_cancelled: 'Prima, ik heb dat verzoek geannuleerd. Er is niets gewijzigd.',
    action_expired: 'Dat verzoek is verlopen, er is dus niets gewijzigd. Vraag het gerust opnieuw.',
    action_failed: 'Sorry, dat lukte nu niet. Een collega kijkt ernaar en reageert hier.',
    refund_started:
      'Bedankt, uw terugbetaling van {amount} is onderweg. Ik bevestig hier zodra die is verwerkt.',
    refund_needs_approval:
      'Bedankt. Terugbetalingen van dit bedrag ({amount}) worden door een collega goedgekeurd; ik laat het u hier weten.',
    refund_succeeded:
      'Uw terugbetaling van {amount} is uitgevoerd. Afhankelijk van uw bank staat die binnen 5–10 werkdagen op uw rekening.',
    refund_failed:
      'Sorry, uw terugbetaling van {amount} kon nu niet worden verwerkt. Ons team is op de hoogte en rondt haar af; ik bevestig het hier.',
    refund_rejected:
      'Uw verzoek om terugbetaling van {amount} is niet goedgekeurd. Een collega legt hier uit waarom.',
    erasure_ask:
      'U vroeg ons uw gegevens te verwijderen. Als u bevestigt, verwijderen we dit gesprek en alles wat we over u bewaren: uw berichten, transcripties en fotobeschrijvingen, tickets en enquêteantwoorden. Wat de wet ons verplicht te bewaren (de boekhouding van een terugbetaling) blijft bewaard zonder uw naam of nummer. Dit kan niet ongedaan worden gemaakt.',
    erasure_confirm: '🗑️ Verwijderen',
    erasure_keep: 'Gegevens houden',
    erasure_started:
      'Uw gegevens worden nu verwijderd. Dit is het laatste bericht van ons, tenzij u ons opnieuw schrijft.',
    erasure_kept: 'Oké, er is niets verwijderd.',
  },
  de: {
    acknowledge: 'Danke{name}! Wir haben Ihre Nachricht erhalten und melden uns in Kürze.',
    ai_disclosure:
      'Hallo{name}! Ich bin ein virtueller Assistent (KI). Ein Mensch kann jederzeit übernehmen, fragen Sie einfach.',
    handoff: 'Ich gebe Ihre Anfrage an einen Kollegen weiter, der Ihnen hier so bald wie möglich antwortet.',
    handoff_unanswered:
      'Darauf habe ich keine verlässliche Antwort, daher gebe ich Ihre Anfrage an einen Kollegen weiter, der Ihnen hier so bald wie möglich antwortet.',
    handoff_wait_soon: 'Ein Kollege antwortet Ihnen hier in etwa {minutes} Minuten.',
    handoff_wait_opening:
      'Unser Team ist gerade nicht erreichbar: Ein Kollege antwortet Ihnen hier, sobald wir wieder geöffnet haben, {when}.',
    csat_question: 'Wie zufrieden waren Sie? Ihre Antwort hilft uns, besser zu werden.',
    csat_great: '😀 Sehr gut',
    csat_ok: '😐 Okay',
    csat_bad: '😞 Nicht gut',
    csat_thanks: 'Vielen Dank für Ihr Feedback!',
    csat_comment_prompt: 'Das tut uns leid. Was hätten wir besser machen können? Antworten Sie gern hier.',
    csat_comment_thanks: 'Danke, wir haben Ihren Kommentar an das Team weitergegeben.',
    media_too_large: 'Leider ist die Datei zu groß. Könnten Sie ein kleineres Foto oder ein PDF senden?',
    media_unsupported_type:
      'Leider kann ich diesen Dateityp nicht öffnen. Könnten Sie ein Foto oder ein PDF senden?',
    media_unreadable:
      'Leider konnte ich die Datei nicht öffnen, sie scheint beschädigt zu sein. Könnten Sie sie erneut senden?',
    media_no_text:
      'Leider konnte ich in dem Dokument keinen Text lesen. Könnten Sie ein schärferes Foto oder ein PDF senden?',
    voice_empty:
      'Leider konnte ich Ihre Sprachnachricht nicht verstehen. Könnten Sie sie wiederholen oder schreiben?',
    media_not_processed:
      'Danke, wir haben Ihr Dokument erhalten. Zum Schutz Ihrer Daten werten wir Ausweisdokumente nicht automatisch aus; ein Kollege sieht es sich bei Bedarf an.',
    action_confirm: '✅ Bestätigen',
    action_cancel: 'Abbrechen',
    action_cancelled: 'In Ordnung, ich habe die Anfrage storniert. Es wurde nichts geändert.',
    action_expired: 'Diese Anfrage ist abgelaufen, es wurde nichts geändert. Fragen Sie gern noch einmal.',
    action_failed:
      'Das hat gerade leider nicht geklappt. Ein Kollege kümmert sich darum und meldet sich hier.',
    refund_started:
      'Danke, Ihre Erstattung über {amount} ist unterwegs. Ich bestätige hier, sobald sie durch ist.',
    refund_needs_approval:
      'Danke. Erstattungen in dieser Höhe ({amount}) gibt ein Kollege frei; ich melde mich hier.',
    refund_succeeded:
      'Ihre Erstattung über {amount} wurde veranlasst. Je nach Bank erscheint sie in 5–10 Werktagen.',
    refund_failed:
      'Ihre Erstattung über {amount} konnte gerade nicht verarbeitet werden. Unser Team ist informiert und schließt sie ab; ich bestätige hier.',
    refund_rejected:
      'Ihre Erstattungsanfrage über {amount} wurde nicht genehmigt. Ein Kollege erklärt Ihnen hier den Grund.',
    erasure_ask:
      'Sie haben uns gebeten, Ihre Daten zu löschen. Wenn Sie bestätigen, löschen wir dieses Gespräch und alles, was wir über Sie speichern: Ihre Nachrichten, Transkripte und Fotobeschreibungen, Tickets und Umfrageantworten. Was wir gesetzlich aufbewahren müssen (den Buchungsbeleg einer Erstattung), bleibt ohne Ihren Namen und Ihre Nummer erhalten. Dies kann nicht rückgängig gemacht werden.',
    erasure_confirm: '🗑️ Daten löschen',
    erasure_keep: 'Daten behalten',
    erasure_started:
      'Ihre Daten werden jetzt gelöscht. Dies ist unsere letzte Nachricht, es sei denn, Sie schreiben uns erneut.',
    erasure_kept: 'In Ordnung, es wurde nichts gelöscht.',
  },
  es: {
    acknowledge: '¡Gracias{name}! Hemos recibido tu mensaje y te responderemos enseguida.',
    ai_disclosure:
      '¡Hola{name}! Soy un asistente virtual (IA). Una persona puede atenderle en cualquier momento, solo tiene que pedirlo.',
    handoff: 'Paso su consulta a un compañero, que le responderá aquí lo antes posible.',
    handoff_unanswered:
      'No tengo una respuesta fiable a eso, así que paso su consulta a un compañero, que le responderá aquí lo antes posible.',
    handoff_wait_soon: 'Un compañero le responderá aquí en unos {minutes} minutos.',
    handoff_wait_opening:
      'Nuestro equipo no está disponible ahora: un compañero le responderá aquí cuando volvamos a abrir, {when}.',
    csat_question: '¿Qué tal le hemos atendido? Su respuesta nos ayuda a mejorar.',
    csat_great: '😀 Muy bien',
    csat_ok: '😐 Normal',
    csat_bad: '😞 Mal',
    csat_thanks: '¡Gracias por su opinión!',
    csat_comment_prompt: 'Lamentamos oírlo. ¿Qué podríamos haber hecho mejor? Responda aquí si lo desea.',
    csat_comment_thanks: 'Gracias, hemos trasladado su comentario al equipo.',
    media_too_large:
      'Lo siento, ese archivo es demasiado grande. ¿Podrías enviar una foto más pequeña o un PDF?',
    media_unsupported_type:
      'Lo siento, no puedo abrir este tipo de archivo. ¿Podrías enviar una foto o un PDF?',
    media_unreadable: 'Lo siento, no pude abrir ese archivo, parece dañado. ¿Podrías enviarlo de nuevo?',
    media_no_text:
      'Lo siento, no pude leer texto en ese documento. ¿Podrías enviar una foto más nítida o un PDF?',
    voice_empty: 'Lo siento, no entendí tu mensaje de voz. ¿Podrías repetirlo o escribirlo?',
    media_not_processed:
      'Gracias, hemos recibido tu documento. Por tu privacidad no analizamos documentos de identidad automáticamente; un compañero lo revisará si hace falta.',
    action_confirm: '✅ Confirmar',
    action_cancel: 'Cancelar',
    action_cancelled: 'De acuerdo, he cancelado esa solicitud. No se ha cambiado nada.',
    action_expired:
      'Esa solicitud ha caducado, así que no se ha cambiado nada. Vuelve a pedirlo si lo necesitas.',
    action_failed:
      'Lo siento, no he podido completarlo ahora. Un compañero lo revisará y te responderá aquí.',
    refund_started:
      'Gracias, tu reembolso de {amount} está en camino. Te lo confirmaré aquí cuando se haya procesado.',
    refund_needs_approval:
      'Gracias. Los reembolsos de este importe ({amount}) los aprueba un compañero; te avisaré aquí.',
    refund_succeeded:
      'Tu reembolso de {amount} se ha emitido. Según tu banco, puede tardar de 5 a 10 días hábiles en aparecer.',
    refund_failed:
      'Lo siento, tu reembolso de {amount} no se ha podido procesar ahora. Nuestro equipo está avisado y lo completará; te lo confirmaré aquí.',
    refund_rejected:
      'Tu solicitud de reembolso de {amount} no ha sido aprobada. Un compañero te explicará el motivo aquí.',
    erasure_ask:
      'Nos pidió que borremos sus datos. Si lo confirma, borramos esta conversación y todo lo que guardamos sobre usted: sus mensajes, transcripciones y descripciones de fotos, tickets y respuestas a encuestas. Lo que la ley nos obliga a conservar (el registro contable de un reembolso) se conserva sin su nombre ni su número. No se puede deshacer.',
    erasure_confirm: '🗑️ Borrar mis datos',
    erasure_keep: 'Conservar datos',
    erasure_started:
      'Estamos borrando sus datos. Este es el último mensaje que recibe de nosotros, salvo que nos vuelva a escribir.',
    erasure_kept: 'De acuerdo, no se ha borrado nada.',
  },
  it: {
    acknowledge: 'Grazie{name}! Abbiamo ricevuto il tuo messaggio e ti risponderemo a breve.',
    ai_disclosure:
      'Ciao{name}! Sono un assistente virtuale (IA). Una persona può subentrare in qualsiasi momento, basta chiederlo.',
    handoff: 'Passo la sua richiesta a un collega, che le risponderà qui il prima possibile.',
    handoff_unanswered:
      'Non ho una risposta affidabile, quindi passo la sua richiesta a un collega, che le risponderà qui il prima possibile.',
    handoff_wait_soon: 'Un collega le risponderà qui entro circa {minutes} minuti.',
    handoff_wait_opening:
      'Il nostro team al momento non è disponibile: un collega le risponderà qui alla riapertura, {when}.',
    csat_question: 'Come ci siamo comportati? La sua risposta ci aiuta a migliorare.',
    csat_great: '😀 Ottimo',
    csat_ok: '😐 Nella media',
    csat_bad: '😞 Male',
    csat_thanks: 'Grazie per il suo parere!',
    csat_comment_prompt: 'Ci dispiace. Cosa avremmo potuto fare meglio? Risponda qui se vuole.',
    csat_comment_thanks: 'Grazie, abbiamo inoltrato il suo commento al team.',
    media_too_large: 'Spiacenti, il file è troppo grande. Puoi inviare una foto più leggera o un PDF?',
    media_unsupported_type:
      'Spiacenti, non riesco ad aprire questo tipo di file. Puoi inviare una foto o un PDF?',
    media_unreadable:
      'Spiacenti, non sono riuscito ad aprire il file, sembra danneggiato. Puoi inviarlo di nuovo?',
    media_no_text:
      'Spiacenti, non sono riuscito a leggere testo nel documento. Puoi inviare una foto più nitida o un PDF?',
    voice_empty: 'Spiacenti, non ho capito il messaggio vocale. Puoi ripeterlo o scriverlo?',
    media_not_processed:
      "Grazie, abbiamo ricevuto il tuo documento. Per la tua privacy non analizziamo automaticamente i documenti d'identità; un collega lo controllerà se necessario.",
    action_confirm: '✅ Conferma',
    action_cancel: 'Annulla',
    action_cancelled: 'Va bene, ho annullato la richiesta. Non è stato modificato nulla.',
    action_expired: 'La richiesta è scaduta, quindi non è stato modificato nulla. Chiedi pure di nuovo.',
    action_failed:
      'Mi dispiace, non sono riuscito a completarlo ora. Un collega se ne occuperà e ti risponderà qui.',
    refund_started: 'Grazie, il rimborso di {amount} è in corso. Te lo confermerò qui appena completato.',
    refund_needs_approval:
      'Grazie. I rimborsi di questo importo ({amount}) sono approvati da un collega; ti aggiornerò qui.',
    refund_succeeded:
      'Il rimborso di {amount} è stato emesso. A seconda della banca può richiedere 5–10 giorni lavorativi.',
    refund_failed:
      'Mi dispiace, il rimborso di {amount} non è stato elaborato ora. Il team è stato avvisato e lo completerà; te lo confermerò qui.',
    refund_rejected:
      'La richiesta di rimborso di {amount} non è stata approvata. Un collega ti spiegherà il motivo qui.',
    erasure_ask:
      "Ci ha chiesto di cancellare i suoi dati. Se conferma, cancelliamo questa conversazione e tutto ciò che conserviamo su di lei: messaggi, trascrizioni e descrizioni delle foto, ticket e risposte ai sondaggi. Ciò che la legge ci obbliga a conservare (la registrazione contabile di un rimborso) resta senza il suo nome né il suo numero. L'operazione è irreversibile.",
    erasure_confirm: '🗑️ Cancella dati',
    erasure_keep: 'Tieni i miei dati',
    erasure_started:
      "Stiamo cancellando i suoi dati. Questo è l'ultimo messaggio che riceve da noi, a meno che non ci scriva di nuovo.",
    erasure_kept: 'Va bene, non è stato cancellato nulla.',
  },
  pt: {
    acknowledge: 'Obrigado{name}! Recebemos a sua mensagem e responderemos em breve.',
    ai_disclosure:
      'Olá{name}! Sou um assistente virtual (IA). Uma pessoa pode assumir a qualquer momento, basta pedir.',
    handoff: 'Vou passar o seu pedido a um colega, que lhe responderá aqui o mais depressa possível.',
    handoff_unanswered:
      'Não tenho uma resposta fiável para isso, por isso vou passar o seu pedido a um colega, que lhe responderá aqui o mais depressa possível.',
    handoff_wait_soon: 'Um colega vai responder-lhe aqui dentro de cerca de {minutes} minutos.',
    handoff_wait_opening:
      'A nossa equipa não está disponível agora: um colega vai responder-lhe aqui quando reabrirmos, {when}.',
    csat_question: 'Como correu o nosso atendimento? A sua resposta ajuda-nos a melhorar.',
    csat_great: '😀 Muito bom',
    csat_ok: '😐 Razoável',
    csat_bad: '😞 Mau',
    csat_thanks: 'Obrigado pela sua opinião!',
    csat_comment_prompt: 'Lamentamos. O que poderíamos ter feito melhor? Responda aqui se quiser.',
    csat_comment_thanks: 'Obrigado, passámos o seu comentário à equipa.',
    media_too_large:
      'Desculpe, esse ficheiro é demasiado grande. Pode enviar uma foto mais pequena ou um PDF?',
    media_unsupported_type:
      'Desculpe, não consigo abrir este tipo de ficheiro. Pode enviar uma foto ou um PDF?',
    media_unreadable:
      'Desculpe, não consegui abrir o ficheiro, parece estar danificado. Pode enviá-lo novamente?',
    media_no_text:
      'Desculpe, não consegui ler texto nesse documento. Pode enviar uma foto mais nítida ou um PDF?',
    voice_empty: 'Desculpe, não percebi a sua mensagem de voz. Pode repetir ou escrever?',
    media_not_processed:
      'Obrigado, recebemos o seu documento. Para sua privacidade não analisamos documentos de identificação automaticamente; um colega verá se for necessário.',
    action_confirm: '✅ Confirmar',
    action_cancel: 'Cancelar',
    action_cancelled: 'Certo, cancelei esse pedido. Nada foi alterado.',
    action_expired: 'Esse pedido expirou, por isso nada foi alterado. Peça novamente se precisar.',
    action_failed: 'Lamento, não consegui concluir isso agora. Um colega vai analisar e responder aqui.',
    refund_started:
      'Obrigado, o seu reembolso de {amount} está a caminho. Confirmo aqui quando estiver concluído.',
    refund_needs_approval:
      'Obrigado. Reembolsos deste valor ({amount}) são aprovados por um colega; aviso aqui.',
    refund_succeeded:
      'O seu reembolso de {amount} foi emitido. Dependendo do banco, pode demorar 5 a 10 dias úteis.',
    refund_failed:
      'Lamento, o seu reembolso de {amount} não pôde ser processado agora. A equipa foi alertada e vai concluí-lo; confirmo aqui.',
    refund_rejected:
      'O seu pedido de reembolso de {amount} não foi aprovado. Um colega explicará o motivo aqui.',
    erasure_ask:
      'Pediu-nos para apagar os seus dados. Se confirmar, apagamos esta conversa e tudo o que guardamos sobre si: as suas mensagens, transcrições e descrições de fotos, pedidos de suporte e respostas a inquéritos. O que a lei nos obriga a guardar (o registo contabilístico de um reembolso) fica sem o seu nome nem o seu número. Não é possível anular.',
    erasure_confirm: '🗑️ Apagar dados',
    erasure_keep: 'Manter dados',
    erasure_started:
      'Os seus dados estão a ser apagados. Esta é a última mensagem que recebe de nós, a menos que volte a escrever-nos.',
    erasure_kept: 'Está bem, nada foi apagado.',
  },
};

/** The text in the customer's language (English when we do not speak it). */
export function customerMessage(
  key: CustomerMessageKey,
  language: string | undefined,
  vars: { name?: string; minutes?: string; when?: string; amount?: string } = {},
): string {
  const table = texts[language ?? 'en'] ?? texts.en!;
  return table[key]
    .replace('{name}', vars.name ? ` ${vars.name}` : '')
    .replace('{minutes}', vars.minutes ?? '')
    .replace('{when}', vars.when ?? '')
    .replace('{amount}', vars.amount ?? '');
}
