/**
 * What the action tools say to the customer (proposal summaries and execution results), built by
 * code in the conversation's language — never written by the model, because the customer confirms
 * exactly this line. The languages of workflows/customer-messages.ts; English for any other.
 * Pure: money and dates are formatted with Intl in the customer's locale.
 */
import { formatLocalTime, localeFor } from '../../domain/locale.js';

/** '€12.50', '12,50 €', … as the customer writes amounts (what the conversation's messages use). */

export type ActionTextKey =
  | 'refund_proposal'
  | 'refund_approval'
  | 'return_proposal'
  | 'return_done'
  | 'reschedule_proposal'
  | 'reschedule_done'
  | 'pause_proposal'
  | 'pause_done'
  | 'resume_proposal'
  | 'resume_done'
  | 'tier_proposal'
  | 'tier_done'
  | 'promo_proposal'
  | 'promo_done'
  | 'refused_slot_taken'
  | 'refused_return_window'
  | 'refused_promo'
  | 'refused_changed'
  | 'refused_not_found'
  | 'service_setup_call'
  | 'service_home_pickup';

const texts: Record<string, Record<ActionTextKey, string>> = {
  en: {
    refund_proposal: 'Refund {amount} on order {order}{item} to your original payment method.',
    refund_approval: 'A colleague will check it first.',
    return_proposal: 'Return {item} from order {order}: you will receive a prepaid return label here.',
    return_done:
      'Return {returnId} is open for {item} (order {order}). Your label is attached: drop the parcel at a pickup point within 14 days.',
    reschedule_proposal: 'Move your {service} from {from} to {to}.',
    reschedule_done: 'Done: your {service} is now on {to}.',
    pause_proposal: 'Pause your {tier} subscription until {date}: no payments until then.',
    pause_done: 'Your {tier} subscription is paused until {date}.',
    resume_proposal: 'Resume your {tier} subscription now ({amount} a month).',
    resume_done: 'Your {tier} subscription is active again ({amount} a month).',
    tier_proposal: 'Change your subscription from {from} to {to} ({amount} a month).',
    tier_done: 'Your subscription is now {to} ({amount} a month).',
    promo_proposal: 'Apply code {code} to order {order}: {discount} off.',
    promo_done: 'Code {code} is applied to order {order}: {discount} off.',
    refused_slot_taken:
      'Sorry, that slot has just been taken. Nothing was changed: shall I look for another one?',
    refused_return_window: 'Sorry, the return period for this item has ended, so no return was created.',
    refused_promo: 'Sorry, this code can no longer be applied to this order. Nothing was changed.',
    refused_changed: 'Sorry, something changed since you confirmed, so nothing was done. Please ask again.',
    refused_not_found: 'Sorry, I could not find this on your account, so nothing was done.',
    service_setup_call: 'setup video call',
    service_home_pickup: 'home pickup',
  },
  fr: {
    refund_proposal:
      "Remboursement de {amount} sur la commande {order}{item}, sur votre moyen de paiement d'origine.",
    refund_approval: "Un collègue le vérifie d'abord.",
    return_proposal:
      "Retour de l'article « {item} » (commande {order}) : vous recevrez ici une étiquette de retour prépayée.",
    return_done:
      "Le retour {returnId} est ouvert pour l'article « {item} » (commande {order}). Votre étiquette est jointe : déposez le colis en point relais sous 14 jours.",
    reschedule_proposal: 'Déplacer votre {service} du {from} au {to}.',
    reschedule_done: "C'est fait : votre {service} est maintenant prévu le {to}.",
    pause_proposal: "Mettre en pause votre abonnement {tier} jusqu'au {date} : aucun prélèvement d'ici là.",
    pause_done: "Votre abonnement {tier} est en pause jusqu'au {date}.",
    resume_proposal: 'Réactiver votre abonnement {tier} dès maintenant ({amount} par mois).',
    resume_done: 'Votre abonnement {tier} est de nouveau actif ({amount} par mois).',
    tier_proposal: 'Passer votre abonnement de {from} à {to} ({amount} par mois).',
    tier_done: 'Votre abonnement est maintenant {to} ({amount} par mois).',
    promo_proposal: 'Appliquer le code {code} à la commande {order} : {discount} de réduction.',
    promo_done: 'Le code {code} est appliqué à la commande {order} : {discount} de réduction.',
    refused_slot_taken:
      "Désolé, ce créneau vient d'être pris. Rien n'a été modifié : voulez-vous que je cherche un autre créneau ?",
    refused_return_window:
      "Désolé, le délai de retour de cet article est dépassé : aucun retour n'a été créé.",
    refused_promo: "Désolé, ce code ne peut plus être appliqué à cette commande. Rien n'a été modifié.",
    refused_changed:
      "Désolé, quelque chose a changé depuis votre confirmation : rien n'a été fait. Pouvez-vous redemander ?",
    refused_not_found: "Désolé, je ne trouve pas cela sur votre compte : rien n'a été fait.",
    service_setup_call: "appel vidéo d'installation",
    service_home_pickup: 'enlèvement à domicile',
  },
  nl: {
    refund_proposal:
      'Terugbetaling van {amount} voor bestelling {order}{item} via je oorspronkelijke betaalmethode.',
    refund_approval: 'Een collega controleert het eerst.',
    return_proposal: 'Retour van {item} uit bestelling {order}: je krijgt hier een gefrankeerd retourlabel.',
    return_done:
      'Retour {returnId} staat klaar voor {item} (bestelling {order}). Je label zit erbij: lever het pakket binnen 14 dagen in bij een afhaalpunt.',
    reschedule_proposal: 'Je {service} verplaatsen van {from} naar {to}.',
    reschedule_done: 'Klaar: je {service} is nu op {to}.',
    pause_proposal: 'Je {tier}-abonnement pauzeren tot {date}: tot dan geen betalingen.',
    pause_done: 'Je {tier}-abonnement is gepauzeerd tot {date}.',
    resume_proposal: 'Je {tier}-abonnement nu hervatten ({amount} per maand).',
    resume_done: 'Je {tier}-abonnement is weer actief ({amount} per maand).',
    tier_proposal: 'Je abonnement wijzigen van {from} naar {to} ({amount} per maand).',
    tier_done: 'Je abonnement is nu {to} ({amount} per maand).',
    promo_proposal: 'Code {code} toepassen op bestelling {order}: {discount} korting.',
    promo_done: 'Code {code} is toegepast op bestelling {order}: {discount} korting.',
    refused_slot_taken: 'Sorry, dat tijdslot is net bezet. Er is niets gewijzigd: zal ik een ander zoeken?',
    refused_return_window:
      'Sorry, de retourtermijn voor dit artikel is voorbij, dus er is geen retour aangemaakt.',
    refused_promo:
      'Sorry, deze code kan niet meer op deze bestelling worden toegepast. Er is niets gewijzigd.',
    refused_changed:
      'Sorry, er is iets veranderd sinds je bevestiging, dus er is niets gedaan. Vraag het gerust opnieuw.',
    refused_not_found: 'Sorry, ik kan dit niet vinden in je account, dus er is niets gedaan.',
    service_setup_call: 'installatie-videogesprek',
    service_home_pickup: 'ophaalafspraak aan huis',
  },
  de: {
    refund_proposal:
      'Erstattung von {amount} für Bestellung {order}{item} auf Ihr ursprüngliches Zahlungsmittel.',
    refund_approval: 'Ein Kollege prüft sie vorher.',
    return_proposal:
      'Rücksendung von {item} aus Bestellung {order}: Sie erhalten hier ein frankiertes Rücksendeetikett.',
    return_done:
      'Rücksendung {returnId} ist angelegt für {item} (Bestellung {order}). Ihr Etikett ist beigefügt: Geben Sie das Paket innerhalb von 14 Tagen in einem Paketshop ab.',
    reschedule_proposal: 'Ihren Termin ({service}) von {from} auf {to} verschieben.',
    reschedule_done: 'Erledigt: Ihr Termin ({service}) ist jetzt am {to}.',
    pause_proposal: 'Ihr {tier}-Abo bis {date} pausieren: bis dahin keine Zahlungen.',
    pause_done: 'Ihr {tier}-Abo ist bis {date} pausiert.',
    resume_proposal: 'Ihr {tier}-Abo jetzt fortsetzen ({amount} pro Monat).',
    resume_done: 'Ihr {tier}-Abo ist wieder aktiv ({amount} pro Monat).',
    tier_proposal: 'Ihr Abo von {from} auf {to} ändern ({amount} pro Monat).',
    tier_done: 'Ihr Abo ist jetzt {to} ({amount} pro Monat).',
    promo_proposal: 'Code {code} auf Bestellung {order} anwenden: {discount} Rabatt.',
    promo_done: 'Code {code} ist auf Bestellung {order} angewendet: {discount} Rabatt.',
    refused_slot_taken:
      'Leider wurde dieser Termin gerade vergeben. Es wurde nichts geändert: Soll ich einen anderen suchen?',
    refused_return_window:
      'Leider ist die Rückgabefrist für diesen Artikel abgelaufen, daher wurde keine Rücksendung angelegt.',
    refused_promo:
      'Leider kann dieser Code nicht mehr auf diese Bestellung angewendet werden. Es wurde nichts geändert.',
    refused_changed:
      'Leider hat sich seit Ihrer Bestätigung etwas geändert, daher wurde nichts ausgeführt. Bitte fragen Sie erneut.',
    refused_not_found: 'Leider finde ich das nicht in Ihrem Konto, daher wurde nichts ausgeführt.',
    service_setup_call: 'Einrichtungs-Videoanruf',
    service_home_pickup: 'Abholung zu Hause',
  },
  es: {
    refund_proposal: 'Reembolso de {amount} del pedido {order}{item} a su método de pago original.',
    refund_approval: 'Un compañero lo revisará antes.',
    return_proposal:
      'Devolución de {item} del pedido {order}: recibirá aquí una etiqueta de devolución prepagada.',
    return_done:
      'La devolución {returnId} está abierta para {item} (pedido {order}). Le adjuntamos la etiqueta: entregue el paquete en un punto de recogida en 14 días.',
    reschedule_proposal: 'Cambiar su {service} del {from} al {to}.',
    reschedule_done: 'Hecho: su {service} es ahora el {to}.',
    pause_proposal: 'Pausar su suscripción {tier} hasta el {date}: sin cobros hasta entonces.',
    pause_done: 'Su suscripción {tier} está en pausa hasta el {date}.',
    resume_proposal: 'Reactivar su suscripción {tier} ahora ({amount} al mes).',
    resume_done: 'Su suscripción {tier} vuelve a estar activa ({amount} al mes).',
    tier_proposal: 'Cambiar su suscripción de {from} a {to} ({amount} al mes).',
    tier_done: 'Su suscripción es ahora {to} ({amount} al mes).',
    promo_proposal: 'Aplicar el código {code} al pedido {order}: {discount} de descuento.',
    promo_done: 'El código {code} se ha aplicado al pedido {order}: {discount} de descuento.',
    refused_slot_taken: 'Lo siento, esa cita acaba de ocuparse. No se ha cambiado nada: ¿busco otra?',
    refused_return_window:
      'Lo siento, el plazo de devolución de este artículo ha terminado, así que no se ha creado ninguna devolución.',
    refused_promo: 'Lo siento, este código ya no se puede aplicar a este pedido. No se ha cambiado nada.',
    refused_changed:
      'Lo siento, algo ha cambiado desde su confirmación, así que no se ha hecho nada. Vuelva a pedirlo, por favor.',
    refused_not_found: 'Lo siento, no encuentro esto en su cuenta, así que no se ha hecho nada.',
    service_setup_call: 'videollamada de instalación',
    service_home_pickup: 'recogida a domicilio',
  },
  it: {
    refund_proposal: "Rimborso di {amount} sull'ordine {order}{item} sul metodo di pagamento originale.",
    refund_approval: 'Un collega lo verifica prima.',
    return_proposal: "Reso di {item} dall'ordine {order}: riceverà qui un'etichetta di reso prepagata.",
    return_done:
      "Il reso {returnId} è aperto per {item} (ordine {order}). L'etichetta è allegata: consegni il pacco in un punto di ritiro entro 14 giorni.",
    reschedule_proposal: "Spostare l'appuntamento ({service}) da {from} a {to}.",
    reschedule_done: "Fatto: l'appuntamento ({service}) è ora {to}.",
    pause_proposal: "Sospendere l'abbonamento {tier} fino al {date}: nessun addebito fino ad allora.",
    pause_done: "L'abbonamento {tier} è sospeso fino al {date}.",
    resume_proposal: "Riattivare ora l'abbonamento {tier} ({amount} al mese).",
    resume_done: "L'abbonamento {tier} è di nuovo attivo ({amount} al mese).",
    tier_proposal: "Cambiare l'abbonamento da {from} a {to} ({amount} al mese).",
    tier_done: "L'abbonamento è ora {to} ({amount} al mese).",
    promo_proposal: "Applicare il codice {code} all'ordine {order}: {discount} di sconto.",
    promo_done: "Il codice {code} è applicato all'ordine {order}: {discount} di sconto.",
    refused_slot_taken:
      "Spiacenti, quell'orario è appena stato occupato. Non è cambiato nulla: ne cerco un altro?",
    refused_return_window:
      'Spiacenti, il periodo di reso per questo articolo è scaduto, quindi non è stato creato alcun reso.',
    refused_promo:
      'Spiacenti, questo codice non può più essere applicato a questo ordine. Non è cambiato nulla.',
    refused_changed:
      'Spiacenti, qualcosa è cambiato dopo la sua conferma, quindi non è stato fatto nulla. Può chiederlo di nuovo?',
    refused_not_found: 'Spiacenti, non lo trovo nel suo account, quindi non è stato fatto nulla.',
    service_setup_call: 'videochiamata di installazione',
    service_home_pickup: 'ritiro a domicilio',
  },
  pt: {
    refund_proposal:
      'Reembolso de {amount} na encomenda {order}{item} para o seu meio de pagamento original.',
    refund_approval: 'Um colega verifica primeiro.',
    return_proposal:
      'Devolução de {item} da encomenda {order}: vai receber aqui uma etiqueta de devolução pré-paga.',
    return_done:
      'A devolução {returnId} está aberta para {item} (encomenda {order}). A etiqueta segue em anexo: entregue a encomenda num ponto de recolha no prazo de 14 dias.',
    reschedule_proposal: 'Mudar a sua marcação ({service}) de {from} para {to}.',
    reschedule_done: 'Feito: a sua marcação ({service}) é agora {to}.',
    pause_proposal: 'Pausar a sua subscrição {tier} até {date}: sem pagamentos até lá.',
    pause_done: 'A sua subscrição {tier} está em pausa até {date}.',
    resume_proposal: 'Retomar já a sua subscrição {tier} ({amount} por mês).',
    resume_done: 'A sua subscrição {tier} está novamente ativa ({amount} por mês).',
    tier_proposal: 'Mudar a sua subscrição de {from} para {to} ({amount} por mês).',
    tier_done: 'A sua subscrição é agora {to} ({amount} por mês).',
    promo_proposal: 'Aplicar o código {code} à encomenda {order}: {discount} de desconto.',
    promo_done: 'O código {code} foi aplicado à encomenda {order}: {discount} de desconto.',
    refused_slot_taken:
      'Desculpe, esse horário acabou de ser ocupado. Nada foi alterado: quer que procure outro?',
    refused_return_window:
      'Desculpe, o prazo de devolução deste artigo terminou, por isso não foi criada nenhuma devolução.',
    refused_promo: 'Desculpe, este código já não pode ser aplicado a esta encomenda. Nada foi alterado.',
    refused_changed:
      'Desculpe, algo mudou desde a sua confirmação, por isso nada foi feito. Pode pedir novamente?',
    refused_not_found: 'Desculpe, não encontro isto na sua conta, por isso nada foi feito.',
    service_setup_call: 'videochamada de instalação',
    service_home_pickup: 'recolha ao domicílio',
  },
};

/** The proposal summary limit of the ActionProposal contract. */
const MAX_SUMMARY = 300;

/** A language we have texts for: the one asked, else English. */
export function textLanguage(language: string | undefined): string {
  return language && texts[language] ? language : 'en';
}

/** The text `key` in `language` with `{vars}` filled in, at most 300 characters. */
export function say(
  key: ActionTextKey,
  language: string | undefined,
  vars: Record<string, string> = {},
): string {
  const template = texts[textLanguage(language)]![key];
  const text = template.replace(/\{(\w+)\}/g, (whole, name: string) => vars[name] ?? whole);
  return text.length <= MAX_SUMMARY ? text : `${text.slice(0, MAX_SUMMARY - 1)}…`;
}

/** A calendar date ('2026-12-23') as '23 December 2026', '23 décembre 2026', … */
export function formatDay(isoDay: string, language: string | undefined): string {
  return new Intl.DateTimeFormat(localeFor(textLanguage(language)), {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  }).format(new Date(`${isoDay}T00:00:00Z`));
}

/** An appointment time in the business's time zone: 'Monday 30 November at 14:00 CET'. */
export function formatWhen(at: Date, language: string | undefined, timezone: string): string {
  return formatLocalTime(at.getTime(), textLanguage(language), timezone);
}

/** The service's name for the customer; an unknown service keeps its id with spaces. */
export function serviceName(service: string, language: string | undefined): string {
  const key = `service_${service}`;
  const table = texts[textLanguage(language)]!;
  return key in table ? table[key as ActionTextKey] : service.replace(/_/g, ' ');
}
