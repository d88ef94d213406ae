/**
 * The offline understanding of a customer's text: no model, only small rule tables a business
 * can read and extend. It is the fallback when no model is configured or the model fails, so it
 * aims to be predictable and explainable rather than clever.
 *
 * How the tables are written and matched:
 *  - Every table is keyed by language (en, fr, nl, de, es, it, pt) and lists phrases.
 *  - Matching ignores case, accents and punctuation: "Où est ma commande ?" matches the phrase
 *    "ou est ma commande"; "quelqu'un" and "quelqu un" are the same.
 *  - `word*` matches any word starting with `word` ("rembours*": rembourser, remboursement).
 *  - A lone `*` stands for 0 to 3 words ("where * my order": "where is my order", "where the hell
 *    is my order"). It never crosses a sentence mark (, . ! ?).
 *  - A phrase weighs as many points as it spells words (gaps not counted, at most 3), so
 *    "cancel * subscription" (2) beats "cancel" (1).
 *
 * Which languages' rules are applied:
 *  - Safety flags (asks for a person, crisis, regulated topic, urgency words): every language,
 *    always — a false alarm costs less than a miss.
 *  - Intents: the message's language plus English first (customers mix in English words); the
 *    other languages only when those find nothing (the language may be misdetected).
 *  - Sentiment: the message's language plus English; every language when the language is unknown.
 *    This keeps false friends apart ("mal" is bad in es/pt but "times" in de, "mist" is a swear
 *    word in de but "missed" in nl).
 */
import { detectLanguage, foldForRules } from './language.js';
import {
  DEFAULT_INTENTS,
  SUPPORTED_LANGUAGES,
  type Entities,
  type Intent,
  type MessageUnderstanding,
  type RegulatedTopic,
  type Sentiment,
  type SupportedLanguage,
  type Urgency,
} from './types.js';

type Lang = SupportedLanguage;
/** Phrases per language. */
export type PhraseTable = Partial<Record<Lang, readonly string[]>>;
/** Phrase → weight (−3 very negative … +3 very positive), per language. */
export type WeightTable = Partial<Record<Lang, Readonly<Record<string, number>>>>;

// ---------------------------------------------------------------------------------------------
// Tables
// ---------------------------------------------------------------------------------------------

/** The customer asks for a person. Any match sets `wantsHuman` and the intent 'talk_to_human'. */
// prettier-ignore
export const HUMAN_REQUEST: PhraseTable = {
  en: [
    'talk to * human', 'speak to * human', 'speak with * human', 'talk to * person', 'speak to * person',
    'speak with * person', 'talk to someone', 'speak to someone', 'speak with someone', 'talk to * agent',
    'speak to * agent', 'real person', 'real human', 'actual person', 'human agent', 'live agent',
    'human please', 'a human', 'customer service agent', 'representative', 'operator', 'speak to * manager',
    'stop the bot', 'stop bot', 'not a bot', 'no bot', 'no more bot', 'transfer me',
  ],
  fr: [
    "parler a quelqu'un", "parler avec quelqu'un", 'parler a * humain', 'parler a * personne',
    'parler avec * personne', 'parler a * conseiller', 'parler a * conseillere', 'parler a * agent',
    'parler a * operateur', 'un humain', 'une vraie personne', 'une personne reelle', 'un vrai humain',
    'un conseiller', 'une conseillere', 'un operateur', 'pas un robot', 'pas un bot', 'arrete le bot',
    'stop au bot',
  ],
  nl: [
    'een medewerker', 'medewerker spreken', 'medewerker te spreken', 'een mens', 'mens spreken',
    'echt persoon', 'echte persoon', 'echt iemand', 'iemand spreken', 'iemand te spreken', 'met iemand praten',
    'spreken met iemand', 'geen bot', 'geen robot', 'stop de bot', 'stop met de bot',
  ],
  de: [
    'mit einem menschen', 'einen menschen', 'echten menschen', 'echte person', 'mensch bitte',
    'mitarbeiter sprechen', 'einen mitarbeiter', 'mit einem mitarbeiter', 'einer mitarbeiterin',
    'mit jemandem sprechen', 'mit jemandem reden', 'kundenberater', 'kein bot', 'keinen bot',
    'keinen roboter', 'kein roboter',
  ],
  es: [
    'hablar con * agente', 'hablar con * persona', 'hablar con alguien', 'hablar con * humano',
    'hablar con * asesor', 'hablar con * operador', 'un humano', 'una persona real', 'persona de verdad',
    'un agente', 'un asesor', 'un operador', 'no quiero * bot', 'no quiero * robot', 'no quiero * maquina',
  ],
  it: [
    'parlare con * operatore', 'parlare con * persona', 'parlare con qualcuno', 'parlare con * umano',
    'parlare con * consulente', 'un operatore', 'una persona vera', 'una persona reale', 'un essere umano',
    'un umano', 'non un bot', 'basta bot', 'basta con il bot',
  ],
  pt: [
    'falar com * atendente', 'falar com * pessoa', 'falar com alguem', 'falar com * humano',
    'falar com * operador', 'falar com * assistente', 'um atendente', 'uma pessoa real', 'um humano',
    'um operador', 'nao quero * bot', 'nao quero * robo',
  ],
};

/** Incident, outage, breach, hacked account, danger, threats, self-harm: a person must look now. */
// prettier-ignore
export const CRISIS: PhraseTable = {
  en: [
    'hacked', 'data breach', 'data leak', 'breach', 'leaked', 'unauthorised', 'unauthorized', 'fraudulent',
    'someone * into my account', 'outage', 'site is down', 'app is down', 'website is down', 'is down',
    'caught fire', 'on fire', 'smoke', 'exploded', 'explosion', 'injured', 'injury', 'electric shock',
    'kill myself', 'suicide', 'suicidal', 'end my life', 'hurt myself', 'self harm', 'kill you', 'i will kill',
    'bomb', 'threat', 'threaten*',
  ],
  fr: [
    'pirate', 'piratage', 'fuite de donnees', 'donnees volees', 'vol de donnees', 'panne generale',
    'site * en panne', 'application en panne', 'service indisponible', 'hors service', 'incendie',
    'pris feu', 'prend feu', 'explose', 'blesse', 'blessee', 'me suicider', 'suicide', 'en finir',
    'me tuer', 'vous tuer', 'menace*', 'bombe', 'fraude', 'frauduleu*',
  ],
  nl: [
    'gehackt', 'gehacked', 'datalek', 'gegevens gestolen', 'gelekt', 'een storing', 'storing bij',
    'storing in', 'ligt eruit', 'in brand', 'vlam gevat', 'ontploft', 'gewond', 'zelfmoord',
    'mezelf iets aandoen', 'dreig*', 'bommelding', 'fraude',
  ],
  de: [
    'gehackt', 'datenleck', 'datenpanne', 'daten gestohlen', 'storung', 'ausfall', 'nicht erreichbar',
    'feuer gefangen', 'in flammen', 'explodiert', 'verletzt', 'stromschlag', 'selbstmord', 'suizid',
    'mich umbringen', 'umbringen', 'drohung', 'drohe', 'bombe', 'betrugerisch',
  ],
  es: [
    'hackeado', 'hackeada', 'filtracion de datos', 'datos robados', 'caida del servicio', 'esta caida',
    'incendio', 'se incendio', 'exploto', 'herido', 'herida', 'suicid*', 'quitarme la vida', 'matarme',
    'amenaza*', 'bomba', 'fraude', 'fraudulent*',
  ],
  it: [
    'hackerato', 'hackerata', 'violazione dei dati', 'dati rubati', 'fuga di dati', 'disservizio',
    'fuori servizio', 'incendio', 'preso fuoco', 'esploso', 'ferito', 'ferita', 'suicid*', 'uccidermi',
    'togliermi la vita', 'minacci*', 'bomba', 'frode', 'fraudolent*',
  ],
  pt: [
    'hackeado', 'hackeada', 'pirateado', 'fuga de dados', 'vazamento de dados', 'dados roubados',
    'fora do ar', 'em baixo', 'incendio', 'pegou fogo', 'explodiu', 'ferido', 'ferida', 'suicid*',
    'matar me', 'tirar a minha vida', 'ameaca*', 'bomba', 'fraude', 'fraudulent*',
  ],
};

/** Advice the assistant must not give: medical, legal or financial. */
// prettier-ignore
export const REGULATED: Record<RegulatedTopic, PhraseTable> = {
  medical: {
    en: ['doctor', 'medication', 'medicine', 'side effect*', 'dosage', 'dose', 'pregnant', 'allergic', 'allergy', 'symptom*', 'prescription', 'diagnos*', 'safe to take'],
    fr: ['medecin', 'docteur', 'medicament*', 'effets secondaires', 'effet secondaire', 'posologie', 'enceinte', 'allergi*', 'symptome*', 'ordonnance', 'diagnostic'],
    nl: ['huisarts', 'mijn arts', 'de arts', 'dokter', 'medicijn*', 'medicatie', 'bijwerking*', 'dosering', 'zwanger', 'allergi*', 'symptom*', 'diagnose'],
    de: ['arzt', 'arztin', 'medikament*', 'nebenwirkung*', 'dosierung', 'schwanger', 'allergi*', 'symptom*', 'diagnose'],
    es: ['medico', 'medicamento*', 'efectos secundarios', 'efecto secundario', 'dosis', 'embarazada', 'alergi*', 'sintoma*', 'receta medica', 'diagnostico'],
    it: ['medico', 'farmaco', 'farmaci', 'effetti collaterali', 'dosaggio', 'incinta', 'allergi*', 'sintom*', 'ricetta medica', 'diagnosi'],
    pt: ['medico', 'medicamento*', 'efeitos secundarios', 'efeitos colaterais', 'dosagem', 'gravida', 'alergi*', 'sintoma*', 'receita medica', 'diagnostico'],
  },
  legal: {
    en: ['lawyer', 'attorney', 'solicitor', 'sue', 'sue you', 'lawsuit', 'legal action', 'court', 'legal advice', 'my rights', 'liable', 'liability', 'small claims'],
    fr: ['avocat', 'poursuivre en justice', 'porter plainte', 'tribunal', 'en justice', 'conseil juridique', 'mes droits', 'juridique', 'mise en demeure'],
    nl: ['advocaat', 'rechtszaak', 'rechter', 'juridisch', 'aangifte doen', 'mijn rechten', 'ingebrekestelling', 'aansprakelijk'],
    de: ['anwalt', 'anwaltin', 'rechtsanwalt', 'verklagen', 'klage', 'vor gericht', 'rechtsberatung', 'meine rechte', 'juristisch', 'anzeige erstatten', 'haftung'],
    es: ['abogado', 'demandar', 'demanda judicial', 'denuncia', 'denunciar', 'tribunal', 'juicio', 'asesoria legal', 'mis derechos'],
    it: ['avvocato', 'denuncia', 'denunciare', 'fare causa', 'tribunale', 'giudice', 'consulenza legale', 'i miei diritti'],
    pt: ['advogado', 'vou processar', 'processo judicial', 'tribunal', 'queixa crime', 'apresentar queixa', 'meus direitos', 'aconselhamento juridico'],
  },
  financial: {
    en: ['invest', 'investment*', 'investing', 'stocks', 'shares', 'loan', 'mortgage', 'tax advice', 'financial advice', 'pension', 'interest rate', 'credit score', 'retirement'],
    fr: ['investir', 'investissement*', 'placement financier', 'bourse', 'pret immobilier', 'credit immobilier', 'emprunt', 'hypotheque', 'conseil financier', 'impots', 'retraite', "taux d'interet"],
    nl: ['beleggen', 'belegging*', 'investeren', 'aandelen', 'lening', 'hypotheek', 'financieel advies', 'belastingaangifte', 'pensioen'],
    de: ['investieren', 'geldanlage', 'anlageberatung', 'aktien', 'kredit', 'darlehen', 'hypothek', 'finanzberatung', 'steuerberatung', 'rente', 'zinsen'],
    es: ['invertir', 'inversion', 'inversiones', 'prestamo', 'hipoteca', 'asesoramiento financiero', 'impuestos', 'jubilacion'],
    it: ['investire', 'investimento', 'investimenti', 'prestito', 'mutuo', 'consulenza finanziaria', 'dichiarazione dei redditi', 'pensione'],
    pt: ['investir', 'investimento*', 'emprestimo', 'credito habitacao', 'hipoteca', 'aconselhamento financeiro', 'impostos', 'reforma', 'pensao'],
  },
};

/** Words that make a message urgent by themselves. */
// prettier-ignore
export const URGENT: PhraseTable = {
  en: ['urgent', 'urgently', 'asap', 'as soon as possible', 'immediately', 'right now', 'emergency'],
  fr: ['urgent', 'urgente', 'urgence', 'tout de suite', 'immediatement', 'au plus vite', 'des que possible'],
  nl: ['dringend', 'spoed', 'zo snel mogelijk', 'onmiddellijk', 'meteen'],
  de: ['dringend', 'eilig', 'sofort', 'so schnell wie moglich', 'umgehend', 'notfall'],
  es: ['urgente', 'urgencia', 'cuanto antes', 'lo antes posible', 'inmediatamente', 'ya mismo'],
  it: ['urgente', 'urgenza', 'subito', 'al piu presto', 'immediatamente', 'quanto prima'],
  pt: ['urgente', 'urgencia', 'o mais rapido possivel', 'imediatamente', 'quanto antes'],
};

/** Keyword and phrase rules per intent of the default catalogue ('talk_to_human': HUMAN_REQUEST). */
// prettier-ignore
export const INTENT_RULES: Partial<Record<Intent, PhraseTable>> = {
  order_status: {
    en: ['where * my order', 'where * my package', 'where * my parcel', 'where * my delivery', 'where * my stuff', 'where is it', 'order status', 'status of my order', "hasn't arrived", 'hasnt arrived', 'not arrived', "didn't arrive", 'never arrived', 'never came', 'not received', "haven't received", "didn't receive", 'still waiting', 'shown up', 'turned up', 'when will * arrive', 'when will * deliver*', 'receive my order', 'receive my package', 'receive my parcel'],
    fr: ['ou * ma commande', 'ou * mon colis', 'ou * ma livraison', 'ou en est', 'statut de * commande', 'pas encore recu', 'toujours pas recu', 'toujours rien recu', 'jamais recu', 'pas recu', 'pas arrive*', 'jamais arrive*', 'quand * livre*', 'quand * arrive*', 'recevoir * commande', 'recevoir * colis'],
    nl: ['waar * mijn bestelling', 'waar * mijn pakket', 'waar blijft', 'status van * bestelling', 'nog niet ontvangen', 'nooit ontvangen', 'niet ontvangen', 'nog niet binnen', 'nog niet geleverd', 'wacht nog steeds', 'wanneer * geleverd', 'wanneer * bezorgd', 'wanneer * binnen', 'ontvang * bestelling', 'ontvang * pakket', 'wanneer komt'],
    de: ['wo * meine bestellung', 'wo * mein paket', 'wo bleibt', 'status * bestellung', 'nicht angekommen', 'nie angekommen', 'noch nicht da', 'nicht erhalten', 'nie erhalten', 'warte * auf mein*', 'wann * geliefert', 'wann kommt', 'wann * ankommen', 'erhalte * bestellung', 'erhalte * paket'],
    es: ['donde * mi pedido', 'donde * mi paquete', 'estado de * pedido', 'no ha llegado', 'no me ha llegado', 'no llego', 'nunca llego', 'no he recibido', 'sigo esperando', 'cuando * llega*', 'cuando * entrega*', 'recibir* * pedido', 'recibir* * paquete'],
    it: ['dov e * ordine', 'dov e * pacco', 'dove * mio ordine', 'dove * mio pacco', 'stato * ordine', 'non e * arrivat*', 'non ancora arrivat*', 'mai arrivat*', 'non ho ricevuto', 'ancora aspettando', 'aspetto ancora', 'quando arriva*', 'quando * consegn*', 'ricev* * ordine', 'ricev* * pacco'],
    pt: ['onde * minha encomenda', 'onde * meu pedido', 'onde * meu pacote', 'estado da * encomenda', 'nao chegou', 'nunca chegou', 'nao recebi', 'a espera', 'estou esperando', 'quando * cheg*', 'quando * entreg*', 'receb* * encomenda', 'receb* * pedido'],
  },
  tracking: {
    en: ['tracking', 'track * order', 'track * package', 'track * parcel', 'tracking number', 'tracking link', 'tracking code', 'track and trace'],
    fr: ['suivi', 'numero de suivi', 'lien de suivi', 'suivre * colis', 'suivre * commande'],
    nl: ['track and trace', 'track trace', 'trackingnummer', 'trackingcode', 'pakket volgen', 'bestelling volgen', 'volgcode', 'volglink'],
    de: ['sendungsverfolgung', 'sendungsnummer', 'trackingnummer', 'tracking nummer', 'paket verfolgen', 'verfolgen'],
    es: ['seguimiento', 'numero de seguimiento', 'codigo de seguimiento', 'rastrear', 'rastreo'],
    it: ['tracciamento', 'codice di tracciamento', 'tracciare', 'numero di spedizione', 'tracking'],
    pt: ['rastreio', 'rastrear', 'codigo de rastreio', 'rastreamento', 'seguir a encomenda', 'tracking'],
  },
  returns_refund_policy: {
    en: ['return policy', 'returns policy', 'refund policy', 'how * return', 'can i return', 'return * item', 'return it', 'send * back', 'exchange', 'swap', 'wrong size', 'how long * refund'],
    fr: ['retour', 'retourner', 'renvoyer', 'politique de retour', 'echanger', 'echange', 'mauvaise taille', 'comment * retourner'],
    nl: ['retour*', 'terugsturen', 'ruilen', 'omruilen', 'retourbeleid', 'verkeerde maat'],
    de: ['rucksend*', 'zurucksenden', 'zuruckschicken', 'ruckgabe', 'umtausch*', 'umtauschen', 'falsche grosse', 'widerruf*'],
    es: ['devolver', 'devolucion', 'devoluciones', 'politica de devolucion*', 'cambiar * talla', 'talla equivocada', 'cambio de talla'],
    it: ['reso', 'resi', 'restituire', 'restituzione', 'cambiare * taglia', 'taglia sbagliata', 'politica di reso'],
    pt: ['devolver', 'devolucao', 'devolucoes', 'trocar', 'troca', 'tamanho errado', 'politica de devolu*'],
  },
  refund_request: {
    en: ['refund', 'money back', 'reimburse*', 'want a refund', 'get a refund', 'refund me', 'chargeback'],
    fr: ['rembours*', 'etre rembourse', 'mon argent'],
    nl: ['geld * terug', 'terugbetal*', 'restitutie', 'terugstort*'],
    de: ['geld zuruck', 'ruckerstattung', 'erstatt*', 'zuruckerstatt*'],
    es: ['reembols*', 'devuelvan * dinero', 'mi dinero'],
    it: ['rimbors*', 'soldi indietro', 'i miei soldi'],
    pt: ['reembols*', 'dinheiro de volta', 'meu dinheiro', 'devolvam * dinheiro'],
  },
  cancel_order: {
    en: ['cancel', 'cancel * order', 'cancellation'],
    fr: ['annuler', 'annulation', 'annuler * commande'],
    nl: ['annuleren', 'annulering', 'bestelling annuleren'],
    de: ['stornieren', 'stornierung', 'storno', 'bestellung stornieren'],
    es: ['cancelar', 'cancelar * pedido', 'anular * pedido'],
    it: ['annullare', 'annullamento', 'annullare * ordine', 'cancellare * ordine'],
    pt: ['cancelar', 'cancelar * encomenda', 'cancelamento'],
  },
  change_address: {
    en: ['change * address', 'update * address', 'wrong address', 'new address', 'different address', 'address change'],
    fr: ['changer * adresse', 'modifier * adresse', 'mauvaise adresse', 'nouvelle adresse', "changement d'adresse"],
    nl: ['adres wijzigen', 'adres aanpassen', 'adres veranderen', 'wijzig * adres', 'verkeerd adres', 'ander adres', 'nieuw adres', 'adreswijziging'],
    de: ['adresse * andern', 'adresse andern', 'falsche adresse', 'neue adresse', 'adressanderung', 'lieferadresse'],
    es: ['cambiar * direccion', 'modificar * direccion', 'direccion equivocada', 'direccion incorrecta', 'nueva direccion'],
    it: ['cambiare * indirizzo', 'modificare * indirizzo', 'indirizzo sbagliato', 'nuovo indirizzo'],
    pt: ['alterar * morada', 'mudar * morada', 'alterar * endereco', 'mudar * endereco', 'morada errada', 'endereco errado', 'nova morada'],
  },
  shipping_options_costs: {
    en: ['shipping cost*', 'delivery cost*', 'how much * shipping', 'how much * delivery', 'shipping fee*', 'delivery fee*', 'do you ship', 'do you deliver', 'ship to', 'express delivery', 'free shipping', 'delivery options', 'shipping options', 'how long * delivery take', 'delivery time*'],
    fr: ['frais de port', 'frais de livraison', 'cout de * livraison', 'combien * livraison', 'livrez vous', 'vous livrez', 'livraison express', 'livraison gratuite', 'delai* de livraison', 'modes de livraison'],
    nl: ['verzendkosten', 'bezorgkosten', 'wat kost * verzending', 'wat kost * bezorging', 'leveren jullie', 'bezorgen jullie', 'verzenden jullie', 'levertijd', 'gratis verzending', 'verzendopties'],
    de: ['versandkosten', 'lieferkosten', 'was kostet * versand', 'liefert ihr', 'liefern sie', 'versendet ihr', 'versenden sie', 'lieferzeit', 'expressversand', 'kostenloser versand', 'versandoptionen'],
    es: ['gastos de envio', 'coste de envio', 'costo de envio', 'cuanto cuesta * envio', 'envian a', 'enviais a', 'hacen envios', 'envio express', 'envio gratis', 'plazo de entrega', 'tiempo de entrega'],
    it: ['spese di spedizione', 'costi di spedizione', 'quanto costa * spedizione', 'spedite in', 'spedite a', 'spedizione gratuita', 'spedizione express', 'tempi di consegna'],
    pt: ['portes', 'custo * envio', 'quanto custa * envio', 'enviam para', 'entregam em', 'envio gratis', 'envio gratuito', 'prazo de entrega', 'tempo de entrega'],
  },
  product_specs: {
    en: ['size guide', 'what size', 'dimensions', 'waterproof', 'material', 'made of', 'compatible', 'in stock', 'available in', 'battery', 'specs', 'specifications', 'colour', 'color', 'weight'],
    fr: ['guide des tailles', 'quelle taille', 'dimensions', 'impermeable', 'matiere', 'compatible', 'en stock', 'disponible en', 'batterie', 'caracteristiques', 'couleur', 'poids'],
    nl: ['maattabel', 'welke maat', 'afmetingen', 'waterdicht', 'materiaal', 'compatibel', 'op voorraad', 'beschikbaar in', 'batterij', 'specificaties', 'kleur', 'gewicht'],
    de: ['grossentabelle', 'welche grosse', 'abmessungen', 'wasserdicht', 'material', 'kompatibel', 'auf lager', 'lieferbar', 'verfugbar', 'akku', 'farbe', 'gewicht', 'technische daten'],
    es: ['guia de tallas', 'que talla', 'medidas', 'dimensiones', 'impermeable', 'material', 'compatible', 'en stock', 'hay stock', 'disponible en', 'bateria', 'color', 'peso'],
    it: ['guida alle taglie', 'che taglia', 'misure', 'dimensioni', 'impermeabile', 'materiale', 'compatibile', 'disponibile', 'batteria', 'colore', 'peso'],
    pt: ['guia de tamanhos', 'que tamanho', 'medidas', 'dimensoes', 'impermeavel', 'material', 'compativel', 'em stock', 'em estoque', 'disponivel', 'bateria', 'cor', 'peso'],
  },
  account_password: {
    en: ['password', 'log in', 'login', 'sign in', 'my account', 'locked out', 'reset * password', 'forgot * password'],
    fr: ['mot de passe', 'me connecter', 'connexion', 'mon compte', 'identifiant*'],
    nl: ['wachtwoord', 'inloggen', 'login', 'mijn account', 'account geblokkeerd'],
    de: ['passwort', 'kennwort', 'anmelden', 'einloggen', 'mein konto', 'mein account', 'konto gesperrt'],
    es: ['contrasena', 'iniciar sesion', 'mi cuenta', 'acceder'],
    it: ['password', 'accedere', 'accesso', 'il mio account', 'login'],
    pt: ['palavra passe', 'senha', 'iniciar sessao', 'minha conta', 'entrar na * conta', 'login'],
  },
  invoice_document_request: {
    en: ['invoice', 'receipt', 'vat', 'proof of purchase', 'copy of * invoice'],
    fr: ['facture', 'justificatif', 'tva'],
    nl: ['factuur', 'kassabon', 'btw', 'aankoopbewijs'],
    de: ['rechnung', 'quittung', 'kaufbeleg', 'mwst'],
    es: ['factura', 'recibo', 'comprobante'],
    it: ['fattura', 'ricevuta', 'scontrino'],
    pt: ['fatura', 'factura', 'recibo', 'comprovativo'],
  },
  payment_issue: {
    en: ['payment', 'paid', 'charged', 'charged twice', 'double charged', 'card * declined', 'declined', 'payment failed', 'payment * not * through'],
    fr: ['paiement', 'paye', 'debite', 'debite deux fois', 'preleve', 'preleve deux fois', 'carte refusee', 'carte bancaire'],
    nl: ['betaling', 'betaald', 'afgeschreven', 'dubbel afgeschreven', 'twee keer betaald', 'betalen lukt niet'],
    de: ['zahlung', 'bezahlt', 'abgebucht', 'doppelt abgebucht', 'karte abgelehnt', 'bezahlen'],
    es: ['pago', 'pagado', 'cobrado', 'cobrado dos veces', 'cobro', 'tarjeta rechazada', 'me han cobrado'],
    it: ['pagamento', 'pagato', 'addebitato', 'addebito', 'addebitato due volte', 'carta rifiutata'],
    pt: ['pagamento', 'paguei', 'cobrado', 'cobrado duas vezes', 'cobranca', 'cartao recusado'],
  },
  promo_code: {
    en: ['promo code', 'discount code', 'discount', 'coupon', 'voucher', 'promo', 'gift card'],
    fr: ['code promo', 'reduction', 'bon de reduction', 'code de reduction', 'coupon', 'remise', 'carte cadeau'],
    nl: ['kortingscode', 'korting', 'actiecode', 'voucher', 'cadeaubon', 'waardebon'],
    de: ['gutschein*', 'rabatt*', 'aktionscode', 'promo code'],
    es: ['codigo de descuento', 'descuento', 'cupon', 'codigo promocional'],
    it: ['codice sconto', 'sconto', 'coupon', 'codice promozionale', 'buono sconto'],
    pt: ['codigo de desconto', 'desconto', 'cupao', 'cupom', 'codigo promocional'],
  },
  subscription_change: {
    en: ['subscription', 'my plan', 'upgrade', 'downgrade', 'membership', 'unsubscribe', 'cancel * subscription', 'pause * subscription', 'renewal'],
    fr: ['abonnement', 'resilier', 'mon forfait', 'ma formule', 'desabonner'],
    nl: ['abonnement', 'opzeggen', 'lidmaatschap'],
    de: ['abo', 'abonnement', 'kundigen', 'kundigung', 'mitgliedschaft', 'mein tarif'],
    es: ['suscripcion', 'darme de baja', 'mi plan', 'membresia'],
    it: ['abbonamento', 'disdire', 'disdetta', 'il mio piano'],
    pt: ['assinatura', 'subscricao', 'o meu plano', 'mensalidade'],
  },
  appointment_reschedule: {
    en: ['appointment', 'reschedule', 'booking', 'move * appointment', 'change * appointment', 'another time', 'another date'],
    fr: ['rendez vous', 'rdv', 'reporter', 'decaler', 'reservation', 'creneau'],
    nl: ['afspraak', 'verzetten', 'verplaatsen', 'andere datum', 'ander tijdstip', 'reservering'],
    de: ['termin', 'verschieben', 'umbuchen', 'reservierung'],
    es: ['cita', 'reprogramar', 'aplazar', 'reserva', 'otro dia'],
    it: ['appuntamento', 'spostare', 'riprogrammare', 'prenotazione', 'rinviare', 'un altro giorno'],
    pt: ['marcacao', 'reagendar', 'remarcar', 'agendamento', 'reserva', 'outro dia'],
  },
  opening_hours_contact: {
    en: ['opening hours', 'opening times', 'are you open', 'when * open', 'what time * open', 'what time * close', 'closing time', 'open today', 'open on', 'phone number', 'call me', 'call me back', 'contact you', 'how * contact', 'your address', 'your store', 'your shop'],
    fr: ['horaires', "heures d'ouverture", 'etes ouvert*', 'ouvert le', "ouvert aujourd'hui", 'ouvrez', 'fermez', 'numero de telephone', 'me rappeler', 'vous appeler', 'vous contacter', 'votre adresse', 'magasin'],
    nl: ['openingstijden', 'openingsuren', 'zijn jullie open', 'wanneer * open', 'hoe laat * open', 'telefoonnummer', 'terugbellen', 'bellen', 'contact opnemen', 'winkel'],
    de: ['offnungszeiten', 'geoffnet', 'wann * offen', 'telefonnummer', 'zuruckrufen', 'anrufen', 'kontakt', 'filiale'],
    es: ['horario', 'horarios', 'a que hora abr*', 'abierto', 'abren', 'cierran', 'telefono', 'llamar', 'llamarme', 'contacto', 'tienda'],
    it: ['orari', 'orario', 'a che ora apr*', 'aperti', 'aprite', 'chiudete', 'numero di telefono', 'richiamare', 'richiamarmi', 'chiamare', 'contatto', 'negozio'],
    pt: ['horario', 'horarios', 'a que horas abr*', 'abertos', 'abrem', 'fecham', 'telefone', 'ligar', 'ligar me', 'contacto', 'loja'],
  },
  complaint: {
    en: ['complaint', 'complain', 'unacceptable', 'disgrace', 'terrible service', 'worst', 'ridiculous', 'disappointed', 'broken', 'damaged', 'arrived * broken', 'arrived * damaged', 'wrong item', 'not what i ordered', 'scam', 'rude'],
    fr: ['plainte', 'reclamation', 'inadmissible', 'inacceptable', 'scandale', 'honteux', 'decu', 'decue', 'casse', 'cassee', 'abime', 'abimee', 'endommage*', 'mauvais article', 'service nul', 'arnaque'],
    nl: ['klacht', 'onacceptabel', 'schandalig', 'belachelijk', 'teleurgesteld', 'kapot', 'beschadigd', 'verkeerd artikel', 'verkeerde artikel', 'oplichting', 'slechte service'],
    de: ['beschwerde', 'beschweren', 'inakzeptabel', 'unverschamt', 'frechheit', 'skandal', 'enttauscht', 'kaputt', 'beschadigt', 'defekt', 'falscher artikel', 'falsche artikel', 'betrug'],
    es: ['queja', 'reclamacion', 'inaceptable', 'vergonzoso', 'decepcionado', 'decepcionada', 'roto', 'rota', 'danado', 'danada', 'articulo equivocado', 'estafa', 'pesimo'],
    it: ['reclamo', 'lamentela', 'inaccettabile', 'vergognoso', 'deluso', 'delusa', 'rotto', 'rotta', 'danneggiat*', 'articolo sbagliato', 'truffa', 'fa schifo'],
    pt: ['reclamacao', 'queixa', 'inaceitavel', 'vergonhoso', 'desiludido', 'desiludida', 'estragado', 'estragada', 'danificad*', 'artigo errado', 'burla', 'pessimo'],
  },
};

/** Sentiment words and phrases (−3…+3). Longer phrases win over the words inside them. */
// prettier-ignore
export const SENTIMENT_LEXICON: WeightTable = {
  en: {
    thanks: 2, 'thank you': 2, thx: 1, great: 2, perfect: 2, excellent: 3, awesome: 3, amazing: 3, love: 3, happy: 2, helpful: 2, good: 1, nice: 1, fast: 1, quick: 1, appreciate: 2, satisfied: 2, pleased: 2, 'no problem': 1, 'no worries': 1,
    terrible: -3, awful: -3, horrible: -3, worst: -3, useless: -3, disgusting: -3, scam: -3, unacceptable: -3, furious: -3, sucks: -3, wtf: -3, ridiculous: -2, angry: -2, annoyed: -2, frustrated: -2, disappointed: -2, upset: -2, bad: -2, poor: -2, rude: -2, broken: -2, damaged: -2, complaint: -2, 'fed up': -2, 'waste of': -2, 'not working': -2, "isn't working": -2, "doesn't work": -2, 'doesnt work': -2, "don't work": -2, 'never arrived': -2, late: -1, slow: -1, wrong: -1, problem: -1, issue: -1, failed: -1, 'still waiting': -1,
  },
  fr: {
    merci: 2, 'merci beaucoup': 3, super: 2, parfait: 2, genial: 2, excellent: 3, top: 2, content: 2, contente: 2, satisfait: 2, satisfaite: 2, ravi: 3, ravie: 3, bien: 1, rapide: 1, 'pas de probleme': 1, 'pas de souci': 1, 'aucun souci': 1, 'sans souci': 1,
    nul: -3, nulle: -3, horrible: -3, inadmissible: -3, inacceptable: -3, scandale: -3, scandaleux: -3, honteux: -3, arnaque: -3, deplorable: -3, pire: -3, furieux: -3, furieuse: -3, decu: -2, decue: -2, enerve: -2, enervee: -2, agace: -2, mecontent: -2, mecontente: -2, casse: -2, cassee: -2, abime: -2, abimee: -2, mauvais: -2, 'ne marche pas': -2, 'marche pas': -2, 'ne fonctionne pas': -2, 'fonctionne pas': -2, 'en a marre': -2, 'ras le bol': -2, probleme: -1, souci: -1, retard: -1, lent: -1, mauvaise: -1, 'toujours pas': -1,
  },
  nl: {
    bedankt: 2, 'dank je': 2, 'dank u': 2, dankjewel: 2, top: 2, super: 2, perfect: 2, geweldig: 3, fijn: 2, blij: 2, tevreden: 2, goed: 1, snel: 1, prima: 1, 'geen probleem': 1, 'geen zorgen': 1,
    vreselijk: -3, verschrikkelijk: -3, waardeloos: -3, belachelijk: -3, schandalig: -3, onacceptabel: -3, woedend: -3, klote: -3, oplichting: -3, slecht: -2, slechte: -2, boos: -2, teleurgesteld: -2, ontevreden: -2, kapot: -2, beschadigd: -2, 'werkt niet': -2, 'genoeg van': -2, probleem: -1, 'te laat': -1, traag: -1, balen: -1, 'nog steeds niet': -1,
  },
  de: {
    danke: 2, 'vielen dank': 3, 'danke schon': 3, super: 2, perfekt: 2, toll: 2, klasse: 2, zufrieden: 2, hilfreich: 2, prima: 1, gut: 1, schnell: 1, 'kein problem': 1,
    furchtbar: -3, schrecklich: -3, katastrophe: -3, katastrophal: -3, unverschamt: -3, frechheit: -3, inakzeptabel: -3, skandal: -3, wutend: -3, betrug: -3, schlecht: -2, sauer: -2, verargert: -2, enttauscht: -2, unzufrieden: -2, kaputt: -2, beschadigt: -2, defekt: -2, 'funktioniert nicht': -2, mist: -2, nervt: -2, 'reicht mir': -2, problem: -1, langsam: -1, 'zu spat': -1, 'geht nicht': -1, 'immer noch nicht': -1,
  },
  es: {
    gracias: 2, 'muchas gracias': 3, 'muchisimas gracias': 3, genial: 2, perfecto: 2, excelente: 3, estupendo: 2, contento: 2, contenta: 2, encantado: 2, encantada: 2, satisfecho: 2, satisfecha: 2, bien: 1, rapido: 1, 'sin problema': 1, 'ningun problema': 1,
    pesimo: -3, horrible: -3, fatal: -3, terrible: -3, inaceptable: -3, vergonzoso: -3, estafa: -3, verguenza: -2, enfadado: -2, enfadada: -2, harto: -2, harta: -2, decepcionado: -2, decepcionada: -2, molesto: -2, molesta: -2, roto: -2, rota: -2, danado: -2, mal: -2, malo: -2, mala: -2, 'no funciona': -2, problema: -1, lento: -1, 'todavia no': -1,
  },
  it: {
    grazie: 2, 'grazie mille': 3, perfetto: 2, ottimo: 3, fantastico: 3, contento: 2, contenta: 2, soddisfatto: 2, soddisfatta: 2, gentile: 2, bene: 1, veloce: 1, 'nessun problema': 1,
    pessimo: -3, orribile: -3, terribile: -3, vergogna: -3, vergognoso: -3, inaccettabile: -3, schifo: -3, 'fa schifo': -3, truffa: -3, arrabbiato: -2, arrabbiata: -2, deluso: -2, delusa: -2, stufo: -2, stufa: -2, rotto: -2, rotta: -2, danneggiato: -2, male: -2, 'non funziona': -2, problema: -1, lento: -1, 'ancora niente': -1,
  },
  pt: {
    obrigado: 2, obrigada: 2, perfeito: 2, otimo: 3, excelente: 3, fantastico: 3, contente: 2, satisfeito: 2, satisfeita: 2, bom: 1, rapido: 1, 'sem problema': 1, 'sem problemas': 1,
    pessimo: -3, horrivel: -3, terrivel: -3, vergonha: -3, inaceitavel: -3, burla: -3, chateado: -2, chateada: -2, zangado: -2, zangada: -2, farto: -2, farta: -2, desiludido: -2, desiludida: -2, estragado: -2, estragada: -2, danificado: -2, mal: -2, mau: -2, 'nao funciona': -2, problema: -1, lento: -1, 'ainda nao': -1,
  },
};

/** Emoji weights (read in every language). */
// prettier-ignore
export const EMOJI_SENTIMENT: Readonly<Record<string, number>> = {
  '😡': -3, '🤬': -3, '😠': -2, '😤': -2, '😞': -2, '😢': -2, '😭': -2, '👎': -2, '🙄': -1, '😒': -1, '😕': -1,
  '👍': 2, '🙏': 1, '😊': 2, '🙂': 1, '😀': 2, '😃': 2, '😍': 3, '❤': 3, '🥰': 3, '👌': 2, '💯': 2,
};

/** Words that flip the sentiment of a lexicon word up to 3 words after them (same clause). */
// prettier-ignore
export const NEGATIONS: Record<Lang, readonly string[]> = {
  en: ['not', 'no', 'never', 'nothing', 't', 'dont', 'didnt', 'doesnt', 'isnt', 'wasnt', 'cant', 'wont', 'havent', 'hasnt'],
  fr: ['pas', 'ne', 'n', 'jamais', 'aucun', 'aucune', 'rien'],
  nl: ['niet', 'geen', 'nooit'],
  de: ['nicht', 'kein', 'keine', 'keinen', 'keinem', 'nie', 'niemals'],
  es: ['no', 'nunca', 'ni', 'nada', 'tampoco'],
  it: ['non', 'mai', 'nessun', 'nessuno', 'nessuna'],
  pt: ['nao', 'nunca', 'nem', 'nenhum', 'nenhuma'],
};

/** Words that strengthen the next lexicon word (×1.5) when up to 2 words before it. */
// prettier-ignore
export const INTENSIFIERS: Record<Lang, readonly string[]> = {
  en: ['very', 'really', 'so', 'extremely', 'super', 'totally', 'absolutely', 'completely'],
  fr: ['tres', 'vraiment', 'trop', 'super', 'completement', 'totalement', 'tellement'],
  nl: ['heel', 'echt', 'zeer', 'erg', 'super', 'ontzettend', 'enorm'],
  de: ['sehr', 'wirklich', 'echt', 'total', 'extrem', 'super', 'voll', 'absolut'],
  es: ['muy', 'realmente', 'super', 'totalmente', 'tan', 'muchisimo'],
  it: ['molto', 'davvero', 'proprio', 'troppo', 'super', 'veramente', 'cosi'],
  pt: ['muito', 'mesmo', 'super', 'totalmente', 'tao', 'bastante'],
};

/** "but": what follows counts more (×1.5) than what precedes (×0.5). */
// prettier-ignore
export const CONTRASTS: Record<Lang, readonly string[]> = {
  en: ['but', 'however'],
  fr: ['mais', 'cependant'],
  nl: ['maar', 'echter'],
  de: ['aber', 'jedoch'],
  es: ['pero', 'sin embargo'],
  it: ['pero', 'tuttavia'],
  pt: ['porem', 'contudo'],
};

/** Words that introduce an order number ("order 1042", "commande n° 1042", "Bestellnummer: 1042"). */
// prettier-ignore
export const ORDER_KEYWORDS: readonly string[] = [
  'order', 'order number', 'ordernummer', 'bestelling', 'bestelnummer', 'bestellung', 'bestellnummer',
  'auftrag', 'auftragsnummer', 'commande', 'pedido', 'encomenda', 'ordine',
];

/** Month names (as written, accents optional), for "12 mars 2025" → 2025-03-12. */
// prettier-ignore
export const MONTHS: Record<Lang, readonly string[]> = {
  en: ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'],
  fr: ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'],
  nl: ['januari', 'februari', 'maart', 'april', 'mei', 'juni', 'juli', 'augustus', 'september', 'oktober', 'november', 'december'],
  de: ['januar', 'februar', 'märz', 'april', 'mai', 'juni', 'juli', 'august', 'september', 'oktober', 'november', 'dezember'],
  es: ['enero', 'febrero', 'marzo', 'abril', 'mayo', 'junio', 'julio', 'agosto', 'septiembre', 'octubre', 'noviembre', 'diciembre'],
  it: ['gennaio', 'febbraio', 'marzo', 'aprile', 'maggio', 'giugno', 'luglio', 'agosto', 'settembre', 'ottobre', 'novembre', 'dicembre'],
  pt: ['janeiro', 'fevereiro', 'março', 'abril', 'maio', 'junho', 'julho', 'agosto', 'setembro', 'outubro', 'novembro', 'dezembro'],
};

// ---------------------------------------------------------------------------------------------
// Phrase matching
// ---------------------------------------------------------------------------------------------

const CLAUSE = '|';
const WORD = '[\\p{L}\\p{N}]';
/** 0 to 3 extra words, never across a clause mark. */
const GAP = `(?:\\s+${WORD}+){0,3}`;

/** Folded text with clause marks kept as "|" and all other punctuation removed. */
export function normalizeForMatching(text: string): string {
  return foldForRules(text)
    .replace(/[.,;:!?¡¿()[\]\n\r]+/g, ` ${CLAUSE} `)
    .replace(/[^\p{L}\p{N}|]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

interface CompiledPhrase {
  phrase: string;
  language: Lang;
  regex: RegExp;
  weight: number;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function compilePhrase(phrase: string, language: Lang): CompiledPhrase {
  const parts: string[] = [];
  let words = 0;
  let pendingGap = false;
  for (const token of phrase.trim().split(/\s+/)) {
    if (token === '*') {
      pendingGap = true;
      continue;
    }
    const prefix = token.length > 1 && token.endsWith('*');
    const core = normalizeForMatching(prefix ? token.slice(0, -1) : token)
      .replace(/[|]/g, ' ')
      .trim();
    if (!core) continue;
    let piece = core.split(' ').map(escapeRegExp).join('\\s+');
    if (prefix) piece += `${WORD}*`;
    if (parts.length > 0) parts.push(pendingGap ? `${GAP}\\s+` : '\\s+');
    parts.push(piece);
    pendingGap = false;
    words += 1;
  }
  const source = `(?<!${WORD})${parts.join('')}(?!${WORD})`;
  return { phrase, language, regex: new RegExp(source, 'gu'), weight: Math.min(3, words) };
}

const compiledCache = new WeakMap<object, CompiledPhrase[]>();

function compileTable(table: PhraseTable): CompiledPhrase[] {
  let compiled = compiledCache.get(table);
  if (!compiled) {
    compiled = [];
    for (const language of SUPPORTED_LANGUAGES) {
      for (const phrase of table[language] ?? []) compiled.push(compilePhrase(phrase, language));
    }
    compiledCache.set(table, compiled);
  }
  return compiled;
}

interface Match {
  rule: CompiledPhrase;
  start: number;
  end: number;
}

function findMatches(normalized: string, table: PhraseTable, languages?: ReadonlySet<Lang>): Match[] {
  const matches: Match[] = [];
  for (const rule of compileTable(table)) {
    if (languages && !languages.has(rule.language)) continue;
    rule.regex.lastIndex = 0;
    for (const m of normalized.matchAll(rule.regex)) {
      matches.push({ rule, start: m.index, end: m.index + m[0].length });
    }
  }
  return matches;
}

/** Distinct phrases of a table found in the text. */
function matchedPhrases(
  normalized: string,
  table: PhraseTable,
  languages?: ReadonlySet<Lang>,
): CompiledPhrase[] {
  const seen = new Map<string, CompiledPhrase>();
  for (const { rule } of findMatches(normalized, table, languages)) seen.set(rule.phrase, rule);
  return [...seen.values()];
}

// ---------------------------------------------------------------------------------------------
// Sentiment
// ---------------------------------------------------------------------------------------------

const ALL_LANGUAGES: ReadonlySet<Lang> = new Set(SUPPORTED_LANGUAGES);

function lexiconAsTable(lexicon: WeightTable): { table: PhraseTable; weights: Map<string, number> } {
  const table: PhraseTable = {};
  const weights = new Map<string, number>();
  for (const language of SUPPORTED_LANGUAGES) {
    const entries = lexicon[language] ?? {};
    table[language] = Object.keys(entries);
    for (const [phrase, weight] of Object.entries(entries)) weights.set(`${language}:${phrase}`, weight);
  }
  return { table, weights };
}

const sentimentTable = lexiconAsTable(SENTIMENT_LEXICON);

function wordSet(table: Record<Lang, readonly string[]>, languages: ReadonlySet<Lang>): Set<string> {
  const set = new Set<string>();
  for (const language of languages) for (const w of table[language]) set.add(normalizeForMatching(w));
  return set;
}

/** Up to `n` words before `index`, nearest first, stopping at a clause mark. */
function wordsBefore(normalized: string, index: number, n: number): string[] {
  const before = normalized.slice(0, index).trim().split(' ').reverse();
  const words: string[] = [];
  for (const w of before) {
    if (w === CLAUSE || words.length >= n) break;
    if (w) words.push(w);
  }
  return words;
}

interface SentimentEvidence {
  sentiment: Sentiment;
  hits: string[];
}

function analyseSentiment(text: string, normalized: string, languages: ReadonlySet<Lang>): SentimentEvidence {
  const negations = wordSet(NEGATIONS, languages);
  const intensifiers = wordSet(INTENSIFIERS, languages);
  const contrasts = [...wordSet(CONTRASTS, languages)];

  // Longest phrases first; a shorter phrase inside a longer one ("merci" in "merci beaucoup") is skipped.
  const matches = findMatches(normalized, sentimentTable.table, languages).sort(
    (a, b) => b.end - b.start - (a.end - a.start) || a.start - b.start,
  );
  const taken: Match[] = [];
  for (const m of matches) {
    if (!taken.some((t) => m.start < t.end && t.start < m.end)) taken.push(m);
  }

  let contrastAt = -1;
  for (const c of contrasts) {
    const re = new RegExp(`(?<!${WORD})${escapeRegExp(c)}(?!${WORD})`, 'gu');
    for (const m of normalized.matchAll(re)) contrastAt = Math.max(contrastAt, m.index);
  }

  let sum = 0;
  let positives = 0;
  const hits: string[] = [];
  for (const m of taken) {
    let weight = sentimentTable.weights.get(`${m.rule.language}:${m.rule.phrase}`) ?? 0;
    const before = wordsBefore(normalized, m.start, 3);
    if (before.slice(0, 2).some((w) => intensifiers.has(w))) weight *= 1.5;
    // "not happy" is clearly negative; "not bad" only mildly positive.
    if (before.some((w) => negations.has(w))) weight *= weight > 0 ? -0.75 : -0.5;
    if (contrastAt >= 0) weight *= m.start > contrastAt ? 1.5 : 0.5;
    if (weight > 0) positives += 1;
    sum += weight;
    hits.push(
      `${m.rule.phrase} (${m.rule.language}) ${weight > 0 ? '+' : ''}${Math.round(weight * 100) / 100}`,
    );
  }
  for (const [emoji, weight] of Object.entries(EMOJI_SENTIMENT)) {
    const count = text.split(emoji).length - 1;
    if (count > 0) {
      sum += weight * Math.min(count, 3);
      if (weight > 0) positives += 1;
      hits.push(`${emoji} ${weight > 0 ? '+' : ''}${weight}×${Math.min(count, 3)}`);
    }
  }

  // Emphasis: shouting (mostly capitals) or several "!" amplify; shouting alone reads as anger.
  const letters = text.match(/\p{L}/gu) ?? [];
  const upper = text.match(/\p{Lu}/gu) ?? [];
  const shouting = letters.length >= 8 && upper.length / letters.length > 0.7;
  const exclamations = text.match(/!/g)?.length ?? 0;
  if (shouting && positives === 0) {
    sum -= 1;
    hits.push('ALL CAPS -1');
  }
  const emphasis = shouting || exclamations >= 3 ? 1.5 : exclamations === 2 ? 1.25 : 1;
  sum *= emphasis;

  // VADER's normalisation: one clear word ≈ ±0.45, three ≈ ±0.85.
  const score = Math.round((sum / Math.sqrt(sum * sum + 15)) * 100) / 100;
  const label = score >= 0.2 ? 'positive' : score <= -0.2 ? 'negative' : 'neutral';
  return { sentiment: { score, label }, hits };
}

// ---------------------------------------------------------------------------------------------
// Entities
// ---------------------------------------------------------------------------------------------

const EMAIL_RE = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}/gu;
const ORDER_ID = '([A-Za-z]{0,5}-?\\d[A-Za-z0-9-]*)';
const ORDER_RE = new RegExp(
  `(?<!\\p{L})(?:${[...ORDER_KEYWORDS]
    .sort((a, b) => b.length - a.length)
    .map(escapeRegExp)
    .join('|')})` +
    `\\s*(?:(?:number|no\\.?|nr\\.?|n[°º]|n\\.|num[eé]ro|número|numero|nummer)\\s*)?` +
    `(?:is\\s+|est\\s+|ist\\s+|es\\s+|[eéè]\\s+)?[:#]?\\s*${ORDER_ID}`,
  'giu',
);
const HASH_ORDER_RE = /(?<![\p{L}\p{N}&])#\s?([A-Za-z0-9-]*\d[A-Za-z0-9-]*)/gu;
const CODE_ORDER_RE = /(?<![\p{L}\p{N}-])([A-Z]{2,5}-\d{3,}[A-Z0-9]*)(?![\p{L}\p{N}-])/gu;

function cleanOrderId(id: string): string | undefined {
  const trimmed = id.replace(/-+$/, '');
  const digits = trimmed.replace(/\D/g, '').length;
  return trimmed.length >= 3 && digits >= 2 ? trimmed : undefined;
}

function isoDate(year: number, month: number, day: number): string | undefined {
  if (month < 1 || month > 12 || day < 1) return undefined;
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCMonth() !== month - 1) return undefined;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

const monthIndex = new Map<string, number>();
for (const language of SUPPORTED_LANGUAGES) {
  MONTHS[language].forEach((name, i) => {
    monthIndex.set(foldForRules(name), i + 1);
  });
}
const MONTH_ALTERNATION = [
  ...new Set(SUPPORTED_LANGUAGES.flatMap((l) => MONTHS[l].flatMap((m) => [m, foldForRules(m)]))),
]
  .sort((a, b) => b.length - a.length)
  .map(escapeRegExp)
  .join('|');
const DAY_MONTH_RE = new RegExp(
  `(?<![\\p{L}\\p{N}])(\\d{1,2})(?:st|nd|rd|th|er|º)?\\.?\\s+(?:de\\s+)?(${MONTH_ALTERNATION})(?:\\s+(?:de\\s+)?(\\d{4}))?(?![\\p{L}\\p{N}])`,
  'giu',
);
const MONTH_DAY_RE = new RegExp(
  `(?<![\\p{L}\\p{N}])(${MONTH_ALTERNATION})\\s+(\\d{1,2})(?:st|nd|rd|th)?,?\\s+(\\d{4})(?![\\p{L}\\p{N}])`,
  'giu',
);

function extractDates(text: string): string[] {
  const dates: string[] = [];
  for (const m of text.matchAll(/(?<![\d/.-])(\d{4})-(\d{1,2})-(\d{1,2})(?![\d/.-])/g)) {
    dates.push(isoDate(Number(m[1]), Number(m[2]), Number(m[3])) ?? m[0]);
  }
  for (const m of text.matchAll(/(?<![\d/.-])(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?![\d/.-])/g)) {
    const a = Number(m[1]);
    const b = Number(m[3]);
    const year = m[4]!.length === 2 ? 2000 + Number(m[4]) : Number(m[4]);
    // Day first (European), unless only month first makes sense (US "12/25/2025").
    dates.push(isoDate(year, b, a) ?? isoDate(year, a, b) ?? m[0]);
  }
  for (const m of text.matchAll(DAY_MONTH_RE)) {
    const month = monthIndex.get(foldForRules(m[2]!));
    dates.push(m[3] && month ? (isoDate(Number(m[3]), month, Number(m[1])) ?? m[0]) : m[0]);
  }
  for (const m of text.matchAll(MONTH_DAY_RE)) {
    const month = monthIndex.get(foldForRules(m[1]!));
    dates.push(month ? (isoDate(Number(m[3]), month, Number(m[2])) ?? m[0]) : m[0]);
  }
  return [...new Set(dates)];
}

export function extractEntities(text: string): Entities {
  const emails = [...new Set([...text.matchAll(EMAIL_RE)].map((m) => m[0]))];
  // Order numbers never come out of an e-mail address or a date.
  const withoutEmails = text.replace(EMAIL_RE, ' ');
  const orderNumbers = new Set<string>();
  const isDate = (id: string) => /^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}$/.test(id);
  for (const re of [ORDER_RE, HASH_ORDER_RE, CODE_ORDER_RE]) {
    for (const m of withoutEmails.matchAll(re)) {
      const id = cleanOrderId(m[1]!);
      if (id && !isDate(id)) orderNumbers.add(id);
    }
  }
  return { orderNumbers: [...orderNumbers], emails, products: [], dates: extractDates(withoutEmails) };
}

// ---------------------------------------------------------------------------------------------
// The analysis
// ---------------------------------------------------------------------------------------------

export interface OfflineOptions {
  /** The message's language when already known (e.g. from the conversation); detected otherwise. */
  language?: string;
  /** The business's intent catalogue; DEFAULT_INTENTS when absent. */
  intents?: readonly string[];
}

export interface OfflineEvidence {
  /** Which phrases decided each part of the result, e.g. "où * ma commande (fr)". */
  intent: string[];
  sentiment: string[];
  wantsHuman: string[];
  crisis: string[];
  regulated: string[];
  urgency: string[];
}

function isSupported(code: string | undefined): code is Lang {
  return code !== undefined && (SUPPORTED_LANGUAGES as readonly string[]).includes(code);
}

const describeRules = (rules: CompiledPhrase[]) => rules.map((r) => `${r.phrase} (${r.language})`);

function scoreIntents(
  normalized: string,
  catalogue: ReadonlySet<string>,
  languages: ReadonlySet<Lang>,
): Array<{ intent: Intent; score: number; rules: CompiledPhrase[] }> {
  const ranked: Array<{ intent: Intent; score: number; rules: CompiledPhrase[] }> = [];
  for (const [intent, table] of Object.entries(INTENT_RULES)) {
    if (!table || !catalogue.has(intent)) continue;
    const rules = matchedPhrases(normalized, table, languages);
    const score = rules.reduce((s, r) => s + r.weight, 0);
    if (score > 0) ranked.push({ intent, score, rules });
  }
  // Ties go to the intent listed first in INTENT_RULES (most specific first).
  return ranked.sort((a, b) => b.score - a.score);
}

/** The same analysis as `analyseOffline`, with the phrases that produced each part of it. */
export function analyseOfflineWithEvidence(
  text: string,
  opts: OfflineOptions = {},
): { understanding: MessageUnderstanding; evidence: OfflineEvidence } {
  const detected = opts.language ? undefined : detectLanguage(text);
  const language = opts.language ?? detected?.language;
  const normalized = normalizeForMatching(text);
  const catalogue = new Set<string>(opts.intents ?? DEFAULT_INTENTS);
  const ownLanguages: ReadonlySet<Lang> = isSupported(language)
    ? new Set<Lang>([language, 'en'])
    : ALL_LANGUAGES;

  // Safety flags: every language.
  const humanRules = matchedPhrases(normalized, HUMAN_REQUEST);
  const crisisRules = matchedPhrases(normalized, CRISIS);
  const urgentRules = matchedPhrases(normalized, URGENT);
  let regulatedTopic: RegulatedTopic | undefined;
  let regulatedRules: CompiledPhrase[] = [];
  for (const topic of Object.keys(REGULATED) as RegulatedTopic[]) {
    const rules = matchedPhrases(normalized, REGULATED[topic]);
    if (rules.length > regulatedRules.length) {
      regulatedTopic = topic;
      regulatedRules = rules;
    }
  }
  const wantsHuman = humanRules.length > 0;
  const crisis = crisisRules.length > 0;

  const { sentiment, hits: sentimentHits } = analyseSentiment(text, normalized, ownLanguages);

  // Intent: own language (+ English) first, then every language.
  let ranked = scoreIntents(normalized, catalogue, ownLanguages);
  if (ranked.length === 0 && ownLanguages !== ALL_LANGUAGES)
    ranked = scoreIntents(normalized, catalogue, ALL_LANGUAGES);
  let intent: Intent = 'other';
  let intentConfidence = 0.2;
  let intentEvidence: string[] = [];
  const [best, second] = ranked;
  if (wantsHuman) {
    intent = 'talk_to_human';
    intentConfidence = 0.9;
    intentEvidence = describeRules(humanRules);
  } else if (best) {
    intent = best.intent;
    const base = Math.min(0.9, 0.4 + 0.15 * best.score);
    intentConfidence = second ? base * (1 - 0.5 * (second.score / best.score)) : base;
    intentEvidence = describeRules(best.rules);
  } else if (sentiment.score <= -0.5 && catalogue.has('complaint')) {
    intent = 'complaint';
    intentConfidence = 0.4;
    intentEvidence = ['strong negative sentiment'];
  }

  let urgency: Urgency = 'normal';
  const urgencyEvidence: string[] = [];
  if (crisis) urgencyEvidence.push('crisis');
  if (urgentRules.length > 0) urgencyEvidence.push(...describeRules(urgentRules));
  if (sentiment.score <= -0.6) urgencyEvidence.push(`sentiment ${sentiment.score}`);
  if (urgencyEvidence.length > 0) urgency = 'high';
  else if (intent === 'other' && sentiment.label !== 'negative' && !regulatedTopic) urgency = 'low';

  const understanding: MessageUnderstanding = {
    ...(language ? { language } : {}),
    ...(detected ? { languageConfidence: detected.confidence } : {}),
    sentiment,
    intent,
    intentConfidence: Math.round(intentConfidence * 100) / 100,
    urgency,
    entities: extractEntities(text),
    ...(regulatedTopic ? { regulatedTopic } : {}),
    crisis,
    wantsHuman,
    source: 'offline',
  };
  return {
    understanding,
    evidence: {
      intent: intentEvidence,
      sentiment: sentimentHits,
      wantsHuman: describeRules(humanRules),
      crisis: describeRules(crisisRules),
      regulated: describeRules(regulatedRules),
      urgency: urgencyEvidence,
    },
  };
}

/** Understand a customer's text with the rule tables above (source 'offline'). */
export function analyseOffline(text: string, opts: OfflineOptions = {}): MessageUnderstanding {
  return analyseOfflineWithEvidence(text, opts).understanding;
}
