import { describe, expect, it } from 'vitest';
import { detectLanguage, MIN_LANGUAGE_CONFIDENCE } from '../../activities/understanding/language.js';
import {
  analyseOffline,
  analyseOfflineWithEvidence,
  extractEntities,
  normalizeForMatching,
} from '../../activities/understanding/offline-analysis.js';
import type { SupportedLanguage } from '../../activities/understanding/types.js';

// Real, short customer-service messages as they arrive on WhatsApp.
const LANGUAGE_CASES: Record<SupportedLanguage, string[]> = {
  en: [
    'hi where is my order',
    'I want a refund',
    'forgot my password',
    'the payment failed twice',
    'is it in stock',
    'thanks',
  ],
  fr: [
    'où est ma commande ?',
    'je veux parler à quelqu’un',
    'colis jamais reçu',
    'mot de passe oublié',
    'vous livrez en Belgique ?',
    'merci',
  ],
  nl: [
    'waar blijft mijn pakket',
    'kan ik een medewerker spreken',
    'wachtwoord vergeten',
    'het artikel is kapot',
    'wat kost de verzending',
    'bedankt',
  ],
  de: [
    'Hallo, wo ist meine Bestellung?',
    'wo bleibt mein Paket',
    'Passwort vergessen',
    'es ist dringend',
    'ist das auf Lager',
    'danke',
  ],
  es: [
    '¿Dónde está mi pedido?',
    'quiero un reembolso',
    'olvidé mi contraseña',
    'es urgente',
    '¿hay stock?',
    'gracias',
  ],
  it: [
    "Dov'è il mio ordine?",
    'voglio un rimborso',
    'ho dimenticato la password',
    'pacco mai arrivato',
    'spedite in Svizzera?',
    'grazie',
  ],
  pt: [
    'Onde está a minha encomenda?',
    'quero falar com um atendente',
    'esqueci-me da palavra-passe',
    'a encomenda nunca chegou',
    'a que horas abrem?',
    'obrigado',
  ],
};

describe('detectLanguage', () => {
  for (const [language, sentences] of Object.entries(LANGUAGE_CASES)) {
    it.each(sentences)(`detects ${language}: %s`, (sentence) => {
      const result = detectLanguage(sentence);
      expect(result.language).toBe(language);
      expect(result.confidence).toBeGreaterThanOrEqual(MIN_LANGUAGE_CONFIDENCE);
      expect(result.confidence).toBeLessThanOrEqual(1);
    });
  }

  it.each(['ok', '👍', '1042', '', '   ', '?!', 'hallo', 'order 1042', 'no'])(
    'gives no language for too short or ambiguous input: %j',
    (text) => {
      const result = detectLanguage(text);
      expect(result.language).toBeUndefined();
      expect(result.confidence).toBeLessThan(MIN_LANGUAGE_CONFIDENCE);
    },
  );

  it('is more confident on a full sentence than on a single word', () => {
    expect(detectLanguage('Bonjour, ma commande n’est toujours pas arrivée').confidence).toBeGreaterThan(
      detectLanguage('merci').confidence,
    );
  });

  it('ignores e-mail addresses, order numbers and links', () => {
    expect(detectLanguage('mijn bestelling 1042, jan@example.com, https://shop.example.com/x').language).toBe(
      'nl',
    );
  });
});

describe('analyseOffline: asking for a person', () => {
  const asks: Array<[SupportedLanguage, string]> = [
    ['en', 'stop the bot'],
    ['en', 'I want to talk to a real person'],
    ['en', 'can I speak to someone please'],
    ['en', 'human please'],
    ['fr', "je veux parler à quelqu'un"],
    ['fr', 'Je voudrais parler à un conseiller'],
    ['fr', 'un humain svp'],
    ['nl', 'kan ik een medewerker spreken'],
    ['nl', 'ik wil graag iemand spreken'],
    ['nl', 'geen bot aub, een mens'],
    ['de', 'Ich möchte mit einem Menschen sprechen'],
    ['de', 'bitte einen Mitarbeiter'],
    ['es', 'quiero hablar con un agente'],
    ['es', '¿Puedo hablar con una persona?'],
    ['it', 'vorrei parlare con un operatore'],
    ['it', 'voglio parlare con una persona'],
    ['pt', 'quero falar com um atendente'],
    ['pt', 'posso falar com alguém?'],
  ];
  it.each(asks)('%s: %s', (_language, text) => {
    const u = analyseOffline(text);
    expect(u.wantsHuman).toBe(true);
    expect(u.intent).toBe('talk_to_human');
    expect(u.intentConfidence).toBeGreaterThanOrEqual(0.8);
    expect(u.source).toBe('offline');
  });

  it.each([
    'where is my order',
    'the delivery person was very kind, thanks',
    'ik heb mijn wachtwoord vergeten',
    'hablé con el banco y el pago está bien',
  ])('does not see a request for a person in: %s', (text) => {
    const u = analyseOffline(text);
    expect(u.wantsHuman).toBe(false);
    expect(u.intent).not.toBe('talk_to_human');
  });
});

// A realistic set across languages: 70 messages, every intent of the default catalogue.
const INTENT_CASES: Array<[string, string]> = [
  ["Hi, I ordered a lamp last week and it still hasn't shown up", 'order_status'],
  ['where is my parcel??', 'order_status'],
  ['can you send me the tracking link please', 'tracking'],
  ['What is your return policy for sale items?', 'returns_refund_policy'],
  ['I would like my money back for order 5531', 'refund_request'],
  ['Please cancel order #8812, I ordered by mistake', 'cancel_order'],
  ['I moved, can I change the delivery address?', 'change_address'],
  ['How much does shipping to Germany cost?', 'shipping_options_costs'],
  ['Is the blue kettle dishwasher safe? what material is it', 'product_specs'],
  ['I forgot my password and the reset email never comes', 'account_password'],
  ['Could you send me an invoice with my company VAT number', 'invoice_document_request'],
  ['My card was charged twice for the same order', 'payment_issue'],
  ["the discount code SUMMER10 doesn't work", 'promo_code'],
  ['I want to cancel my subscription', 'subscription_change'],
  ['I want to downgrade to the basic plan', 'subscription_change'],
  ['Can I move my appointment to Friday?', 'appointment_reschedule'],
  ['What are your opening hours on Sunday?', 'opening_hours_contact'],
  ['This is the worst service I have ever had', 'complaint'],
  ["Bonjour, je n'ai toujours pas reçu ma commande", 'order_status'],
  ['où est ma commande ?', 'order_status'],
  ['Je voudrais un numéro de suivi svp', 'tracking'],
  ['Comment faire un retour ?', 'returns_refund_policy'],
  ['Je souhaite être remboursée', 'refund_request'],
  ['Est-ce que je peux annuler ma commande ?', 'cancel_order'],
  ['Combien coûtent les frais de port pour la Suisse ?', 'shipping_options_costs'],
  ["Je n'arrive plus à me connecter à mon compte", 'account_password'],
  ["Pouvez-vous m'envoyer la facture ?", 'invoice_document_request'],
  ['Le paiement a été refusé', 'payment_issue'],
  ['Vous êtes ouverts le dimanche ?', 'opening_hours_contact'],
  ['Hoi, wanneer wordt mijn bestelling geleverd?', 'order_status'],
  ['waar blijft mijn pakket', 'order_status'],
  ['Ik wil dit artikel retourneren', 'returns_refund_policy'],
  ['Ik heb mijn geld nog steeds niet terug', 'refund_request'],
  ['Kan ik mijn bestelling nog annuleren?', 'cancel_order'],
  ['Ik ben mijn wachtwoord vergeten', 'account_password'],
  ['Mijn kortingscode wordt niet geaccepteerd', 'promo_code'],
  ['Ik wil mijn abonnement opzeggen', 'subscription_change'],
  ['Kan ik mijn afspraak verzetten naar volgende week?', 'appointment_reschedule'],
  ['Ik heb een klacht over de bezorger', 'complaint'],
  ['Hallo, wo ist meine Bestellung?', 'order_status'],
  ['Wann wird mein Paket geliefert?', 'order_status'],
  ['Ich möchte die Schuhe zurückschicken', 'returns_refund_policy'],
  ['Wann bekomme ich meine Rückerstattung?', 'refund_request'],
  ['Bitte stornieren Sie meine Bestellung', 'cancel_order'],
  ['Ich brauche eine Rechnung für meine Firma', 'invoice_document_request'],
  ['Die Zahlung wurde doppelt abgebucht', 'payment_issue'],
  ['Ich möchte mein Abo kündigen', 'subscription_change'],
  ['Was sind Ihre Öffnungszeiten?', 'opening_hours_contact'],
  ['¿Dónde está mi pedido?', 'order_status'],
  ['Hola, mi pedido todavía no ha llegado', 'order_status'],
  ['¿Cómo puedo devolver un producto?', 'returns_refund_policy'],
  ['Quiero que me devuelvan el dinero', 'refund_request'],
  ['Necesito cambiar la dirección de entrega', 'change_address'],
  ['¿Cuánto cuesta el envío a Canarias?', 'shipping_options_costs'],
  ['No puedo iniciar sesión', 'account_password'],
  ['¿Tenéis algún cupón de descuento?', 'promo_code'],
  ['Quiero cambiar mi cita al lunes', 'appointment_reschedule'],
  ["Dov'è il mio ordine?", 'order_status'],
  ['Il mio pacco non è ancora arrivato', 'order_status'],
  ['Vorrei restituire le scarpe', 'returns_refund_policy'],
  ['Quando riceverò il rimborso?', 'refund_request'],
  ["Vorrei annullare l'ordine", 'cancel_order'],
  ["Mi serve la fattura per l'ordine 2231", 'invoice_document_request'],
  ['Il pagamento non è andato a buon fine', 'payment_issue'],
  ['Che orari avete sabato?', 'opening_hours_contact'],
  ['Onde está a minha encomenda?', 'order_status'],
  ['Olá, a minha encomenda ainda não chegou', 'order_status'],
  ['Como faço para devolver um artigo?', 'returns_refund_policy'],
  ['Quero o reembolso da minha compra', 'refund_request'],
  ['Quero cancelar a encomenda', 'cancel_order'],
  ['Preciso de alterar a morada de entrega', 'change_address'],
  ['Esqueci-me da senha', 'account_password'],
  ['Fui cobrado duas vezes', 'payment_issue'],
  ['O produto chegou partido, é uma vergonha', 'complaint'],
];

describe('analyseOffline: intents', () => {
  it.each(INTENT_CASES)('%s → %s', (text, intent) => {
    const u = analyseOffline(text);
    expect(u.intent).toBe(intent);
    expect(u.intentConfidence).toBeGreaterThan(0.3);
    expect(u.intentConfidence).toBeLessThanOrEqual(0.95);
  });

  it('covers every intent of the default catalogue but "other"', () => {
    const covered = new Set(INTENT_CASES.map(([, intent]) => intent));
    covered.add('talk_to_human');
    expect(covered.size).toBe(17);
  });

  it.each(['ok', '👍', 'bonjour', 'hallo', 'ok merci', 'fine'])(
    'says "other" when nothing matches: %s',
    (text) => {
      const u = analyseOffline(text);
      expect(u.intent).toBe('other');
      expect(u.intentConfidence).toBeLessThanOrEqual(0.3);
    },
  );

  it('only answers with intents of the business catalogue', () => {
    const text = 'can you send me the tracking link please';
    expect(analyseOffline(text).intent).toBe('tracking');
    expect(analyseOffline(text, { intents: ['order_status', 'other'] }).intent).toBe('other');
  });

  it('is less confident when two intents compete', () => {
    const clear = analyseOffline('I want to cancel my order');
    const mixed = analyseOffline('I want to cancel my order and get a refund');
    expect(clear.intent).toBe('cancel_order');
    expect(mixed.intentConfidence).toBeLessThan(clear.intentConfidence);
  });

  it('explains which phrases decided', () => {
    const { evidence } = analyseOfflineWithEvidence('où est ma commande ?');
    expect(evidence.intent).toEqual(['ou * ma commande (fr)']);
  });

  it('matches without accents or punctuation, as customers type', () => {
    expect(analyseOffline('ou est ma commande').intent).toBe('order_status');
    expect(analyseOffline('ONDE ESTA A MINHA ENCOMENDA').intent).toBe('order_status');
    expect(normalizeForMatching("Où est-ce, l'ordre?")).toBe('ou est ce | l ordre |');
  });
});

describe('analyseOffline: sentiment', () => {
  const negative = [
    'This is unacceptable, worst service ever',
    "I'm not happy at all",
    'Je ne suis pas content, service nul',
    "C'est inadmissible !!!",
    'Dit is echt belachelijk, slechte service',
    'Das ist eine Frechheit, ich bin sehr enttäuscht',
    'Vuestro servicio es pésimo',
    'Il servizio fa schifo',
    'Estou muito chateado, o serviço é péssimo',
    'WHERE IS MY ORDER',
    '😡😡',
  ];
  const positive = [
    'Thank you so much, great service!',
    'not bad at all, thanks',
    'Merci beaucoup, parfait !',
    'Top, heel erg bedankt!',
    'Super, vielen Dank!',
    'Muchas gracias, todo perfecto',
    'Grazie mille, gentilissimi',
    'Muito obrigada, ótimo atendimento',
    '👍',
  ];
  const neutral = [
    'where is my order',
    'où est ma commande ?',
    'waar blijft mijn pakket',
    'Wo ist meine Bestellung?',
    '¿Dónde está mi pedido?',
    'order 1042',
  ];

  it.each(negative)('negative: %s', (text) => {
    const { sentiment } = analyseOffline(text);
    expect(sentiment.label).toBe('negative');
    expect(sentiment.score).toBeLessThan(-0.2);
    expect(sentiment.score).toBeGreaterThanOrEqual(-1);
  });
  it.each(positive)('positive: %s', (text) => {
    const { sentiment } = analyseOffline(text);
    expect(sentiment.label).toBe('positive');
    expect(sentiment.score).toBeGreaterThan(0.2);
    expect(sentiment.score).toBeLessThanOrEqual(1);
  });
  it.each(neutral)('neutral: %s', (text) => {
    const { sentiment } = analyseOffline(text);
    expect(sentiment.label).toBe('neutral');
    expect(sentiment.score).toBe(0);
  });

  it('negation flips, intensifiers and shouting strengthen', () => {
    expect(analyseOffline('happy').sentiment.score).toBeGreaterThan(0);
    expect(analyseOffline('not happy').sentiment.score).toBeLessThan(0);
    expect(analyseOffline('very bad').sentiment.score).toBeLessThan(analyseOffline('bad').sentiment.score);
    expect(analyseOffline('THIS IS REALLY BAD').sentiment.score).toBeLessThan(
      analyseOffline('this is really bad').sentiment.score,
    );
    expect(analyseOffline('terrible!!!').sentiment.score).toBeLessThan(
      analyseOffline('terrible').sentiment.score,
    );
  });

  it('after "but" counts more than before', () => {
    expect(analyseOffline("Thanks, but it's still broken").sentiment.label).toBe('negative');
    expect(analyseOffline('It was late, but thank you so much').sentiment.label).toBe('positive');
  });

  it('reads each language with its own words (no false friends)', () => {
    // "mal" is "bad" in Spanish but "time(s)" in German.
    expect(
      analyseOffline('Es ist schon das dritte Mal, dass ich schreibe', { language: 'de' }).sentiment.score,
    ).toBe(0);
    expect(analyseOffline('Me parece muy mal', { language: 'es' }).sentiment.label).toBe('negative');
  });
});

describe('analyseOffline: regulated topics, crisis and urgency', () => {
  it.each([
    ['Can I take this with my medication?', 'medical'],
    ['Ce produit a des effets secondaires ?', 'medical'],
    ['Kan ik dit gebruiken als ik zwanger ben?', 'medical'],
    ['Kann ich die Tabletten mit anderen Medikamenten nehmen?', 'medical'],
    ['I will contact my lawyer', 'legal'],
    ['Je vais porter plainte et aller au tribunal', 'legal'],
    ['Ich werde Sie verklagen', 'legal'],
    ['Voy a hablar con mi abogado', 'legal'],
    ['Should I invest my savings in your fund?', 'financial'],
    ['Posso pedir um empréstimo para pagar?', 'financial'],
    ['Conviene un mutuo o un prestito?', 'financial'],
  ] as const)('%s → %s', (text, topic) => {
    expect(analyseOffline(text).regulatedTopic).toBe(topic);
  });

  it.each([
    'My account was hacked',
    'Your website is down since this morning',
    'Did you have a data breach? I got a phishing mail with my order details',
    'Mon compte a été piraté',
    'Er is een storing bij het betalen',
    'Die Seite ist nicht erreichbar, Störung?',
    'Me han hackeado la cuenta',
    'Il caricabatterie ha preso fuoco',
    'Houve uma fuga de dados?',
    'I want to kill myself',
    "je vais vous tuer si c'est pas réglé",
  ])('crisis: %s', (text) => {
    const u = analyseOffline(text);
    expect(u.crisis).toBe(true);
    expect(u.urgency).toBe('high');
  });

  it.each([
    'where is my order',
    'Je veux changer mon adresse',
    'What brand is this jacket?',
    'Obrigado, tudo bom',
  ])('no flag: %s', (text) => {
    const u = analyseOffline(text);
    expect(u.crisis).toBe(false);
    expect(u.regulatedTopic).toBeUndefined();
  });

  it.each([
    'urgent: where is my order?',
    'I need it asap',
    'Es ist dringend!',
    'es urgente',
    'mi serve subito',
  ])('urgent words make urgency high: %s', (text) => {
    expect(analyseOffline(text).urgency).toBe('high');
  });

  it('strong negative sentiment makes urgency high; a request is normal; thanks is low', () => {
    expect(analyseOffline('This is absolutely terrible, worst company ever!!!').urgency).toBe('high');
    expect(analyseOffline('where is my order').urgency).toBe('normal');
    expect(analyseOffline('thank you!').urgency).toBe('low');
  });
});

describe('extractEntities', () => {
  it.each([
    ['where is order 1042?', ['1042']],
    ['my order #1042 is late', ['1042']],
    ['Commande n° 1042 pas reçue', ['1042']],
    ['bestelling 1042 is nog niet binnen', ['1042']],
    ['Bestellnummer: 1042', ['1042']],
    ['pedido nº 55321', ['55321']],
    ["l'ordine n. 2231", ['2231']],
    ['a encomenda número 1042 e a 1043', ['1042']],
    ['ORD-1042 still not here', ['ORD-1042']],
    ['order ORD-1042', ['ORD-1042']],
    ['#A10423', ['A10423']],
  ] as const)('order numbers in %j', (text, expected) => {
    expect(extractEntities(text).orderNumbers).toEqual(expected);
  });

  it('finds no order number in ordinary numbers, dates or e-mails', () => {
    expect(extractEntities('I ordered 3 items for 25 euros on 12/03/2025').orderNumbers).toEqual([]);
    expect(extractEntities('mail me at order1042@example.com').orderNumbers).toEqual([]);
  });

  it('finds e-mail addresses', () => {
    expect(extractEntities('my email is Jean.Dupont+shop@example.co.uk, thanks.').emails).toEqual([
      'Jean.Dupont+shop@example.co.uk',
    ]);
  });

  it.each([
    ['delivered 2025-03-12?', ['2025-03-12']],
    ['livraison prévue le 12/03/2025', ['2025-03-12']],
    ['geleverd op 5-3-2025', ['2025-03-05']],
    ['Termin am 05.03.25', ['2025-03-05']],
    ['ordered 12/25/2025', ['2025-12-25']],
    ['le 3 mars 2025', ['2025-03-03']],
    ['am 3. März 2025', ['2025-03-03']],
    ['el 3 de marzo de 2025', ['2025-03-03']],
    ['on March 3, 2025', ['2025-03-03']],
    ['vóór 3 maart', ['3 maart']],
    ['31/02/2025', ['31/02/2025']],
  ] as const)('dates in %j', (text, expected) => {
    expect(extractEntities(text).dates).toEqual(expected);
  });

  it('leaves products empty', () => {
    expect(extractEntities('where is my blue kettle').products).toEqual([]);
  });

  it('fills the whole understanding for a realistic message', () => {
    const u = analyseOffline(
      'Bonjour, ma commande n° 1042 du 02/03/2025 n’est toujours pas arrivée. jean@example.fr',
    );
    expect(u).toMatchObject({
      language: 'fr',
      intent: 'order_status',
      crisis: false,
      wantsHuman: false,
      source: 'offline',
      entities: { orderNumbers: ['1042'], emails: ['jean@example.fr'], dates: ['2025-03-02'], products: [] },
    });
    expect(u.languageConfidence).toBeGreaterThan(0.5);
    expect(u.sentiment.label).not.toBe('positive');
  });

  it('uses a language given by the caller instead of detecting one', () => {
    const u = analyseOffline('ok', { language: 'nl' });
    expect(u.language).toBe('nl');
    expect(u.languageConfidence).toBeUndefined();
  });
});
