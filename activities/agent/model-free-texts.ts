/**
 * The fixed texts of model-free answers, in every language Parley speaks (English otherwise).
 */
type Key =
  | 'knowledge_intro'
  | 'order_not_found'
  | 'order_status'
  | 'order_tracking'
  | 'order_eta'
  | 'ask_order_number'
  | 'how_can_i_help';
type Status = 'pending' | 'paid' | 'shipped' | 'delivered' | 'cancelled' | 'returned';

const texts: Record<string, Record<Key, string> & { status: Record<Status, string> }> = {
  en: {
    knowledge_intro: 'Here is what our help centre says:',
    order_not_found:
      "I couldn't find order {order} for this WhatsApp number. Could you check the number? A colleague can also look it up for you.",
    order_status: 'Your order *{order}* is {status}.',
    order_tracking: 'Track it here: {url}',
    order_eta: 'Expected delivery: {date}.',
    ask_order_number:
      'Could you send me your order number? It is in your confirmation email (for example 1042).',
    how_can_i_help:
      'How can I help you? You can ask me about an order (with its number), delivery, returns, payment or our products.',
    status: {
      pending: 'awaiting payment',
      paid: 'paid and being prepared',
      shipped: 'on its way',
      delivered: 'delivered',
      cancelled: 'cancelled',
      returned: 'returned',
    },
  },
  fr: {
    knowledge_intro: "Voici ce qu'indique notre centre d'aide :",
    order_not_found:
      "Je n'ai pas trouvé la commande {order} pour ce numéro WhatsApp. Pourriez-vous vérifier le numéro ? Un collègue peut aussi la rechercher pour vous.",
    order_status: 'Votre commande *{order}* est {status}.',
    order_tracking: 'Suivez-la ici : {url}',
    order_eta: 'Livraison prévue : {date}.',
    ask_order_number:
      "Pourriez-vous m'envoyer votre numéro de commande ? Il figure dans l'e-mail de confirmation (par exemple 1042).",
    how_can_i_help:
      'Comment puis-je vous aider ? Vous pouvez me poser une question sur une commande (avec son numéro), la livraison, les retours, le paiement ou nos produits.',
    status: {
      pending: 'en attente de paiement',
      paid: 'payée et en préparation',
      shipped: 'en route',
      delivered: 'livrée',
      cancelled: 'annulée',
      returned: 'retournée',
    },
  },
  nl: {
    knowledge_intro: 'Dit staat er in ons helpcentrum:',
    order_not_found:
      'Ik kon bestelling {order} niet vinden voor dit WhatsApp-nummer. Kun je het nummer controleren? Een collega kan het ook voor je opzoeken.',
    order_status: 'Je bestelling *{order}* is {status}.',
    order_tracking: 'Volg hem hier: {url}',
    order_eta: 'Verwachte levering: {date}.',
    ask_order_number:
      'Kun je me je bestelnummer sturen? Het staat in je bevestigingsmail (bijvoorbeeld 1042).',
    how_can_i_help:
      'Waarmee kan ik je helpen? Je kunt me iets vragen over een bestelling (met het nummer), levering, retouren, betalen of onze producten.',
    status: {
      pending: 'in afwachting van betaling',
      paid: 'betaald en wordt klaargemaakt',
      shipped: 'onderweg',
      delivered: 'geleverd',
      cancelled: 'geannuleerd',
      returned: 'geretourneerd',
    },
  },
  de: {
    knowledge_intro: 'Das steht in unserem Hilfe-Center:',
    order_not_found:
      'Ich konnte die Bestellung {order} für diese WhatsApp-Nummer nicht finden. Können Sie die Nummer prüfen? Ein Kollege kann sie auch für Sie nachsehen.',
    order_status: 'Ihre Bestellung *{order}* ist {status}.',
    order_tracking: 'Sendungsverfolgung: {url}',
    order_eta: 'Voraussichtliche Lieferung: {date}.',
    ask_order_number:
      'Könnten Sie mir Ihre Bestellnummer schicken? Sie steht in Ihrer Bestätigungs-E-Mail (zum Beispiel 1042).',
    how_can_i_help:
      'Wie kann ich helfen? Sie können mich zu einer Bestellung (mit Nummer), Lieferung, Rücksendung, Zahlung oder unseren Produkten fragen.',
    status: {
      pending: 'noch nicht bezahlt',
      paid: 'bezahlt und in Vorbereitung',
      shipped: 'unterwegs',
      delivered: 'zugestellt',
      cancelled: 'storniert',
      returned: 'zurückgesendet',
    },
  },
  es: {
    knowledge_intro: 'Esto es lo que dice nuestro centro de ayuda:',
    order_not_found:
      'No he encontrado el pedido {order} para este número de WhatsApp. ¿Puede comprobar el número? Un compañero también puede buscarlo.',
    order_status: 'Su pedido *{order}* está {status}.',
    order_tracking: 'Sígalo aquí: {url}',
    order_eta: 'Entrega prevista: {date}.',
    ask_order_number:
      '¿Podría enviarme su número de pedido? Aparece en el correo de confirmación (por ejemplo 1042).',
    how_can_i_help:
      '¿En qué puedo ayudarle? Puede preguntarme por un pedido (con su número), la entrega, las devoluciones, el pago o nuestros productos.',
    status: {
      pending: 'pendiente de pago',
      paid: 'pagado y en preparación',
      shipped: 'en camino',
      delivered: 'entregado',
      cancelled: 'cancelado',
      returned: 'devuelto',
    },
  },
  it: {
    knowledge_intro: 'Ecco cosa dice il nostro centro assistenza:',
    order_not_found:
      "Non ho trovato l'ordine {order} per questo numero WhatsApp. Può controllare il numero? Un collega può anche cercarlo per lei.",
    order_status: 'Il suo ordine *{order}* è {status}.',
    order_tracking: 'Lo segua qui: {url}',
    order_eta: 'Consegna prevista: {date}.',
    ask_order_number:
      "Può inviarmi il numero dell'ordine? Si trova nell'e-mail di conferma (per esempio 1042).",
    how_can_i_help:
      'Come posso aiutarla? Può chiedermi di un ordine (con il numero), della consegna, dei resi, del pagamento o dei nostri prodotti.',
    status: {
      pending: 'in attesa di pagamento',
      paid: 'pagato e in preparazione',
      shipped: 'in viaggio',
      delivered: 'consegnato',
      cancelled: 'annullato',
      returned: 'reso',
    },
  },
  pt: {
    knowledge_intro: 'Eis o que diz o nosso centro de ajuda:',
    order_not_found:
      'Não encontrei a encomenda {order} para este número de WhatsApp. Pode verificar o número? Um colega também a pode procurar.',
    order_status: 'A sua encomenda *{order}* está {status}.',
    order_tracking: 'Acompanhe aqui: {url}',
    order_eta: 'Entrega prevista: {date}.',
    ask_order_number:
      'Pode enviar-me o número da encomenda? Está no e-mail de confirmação (por exemplo 1042).',
    how_can_i_help:
      'Como posso ajudar? Pode perguntar-me sobre uma encomenda (com o número), a entrega, devoluções, pagamento ou os nossos produtos.',
    status: {
      pending: 'a aguardar pagamento',
      paid: 'paga e em preparação',
      shipped: 'a caminho',
      delivered: 'entregue',
      cancelled: 'cancelada',
      returned: 'devolvida',
    },
  },
};

const table = (language: string | undefined) => texts[language ?? 'en'] ?? texts.en!;
const fill = (text: string, vars: Record<string, string>) =>
  text.replace(/\{(\w+)\}/g, (m, name: string) => vars[name] ?? m);

export function modelFreeText(key: Key, language: string | undefined, vars: Record<string, string> = {}) {
  return fill(table(language)[key], vars);
}

interface OrderStatusData {
  orderNumber?: string;
  status?: string;
  estimatedDelivery?: string | null;
  tracking?: { trackingUrl?: string | null } | null;
}

/** "Your order *1042* is on its way. Expected delivery: 2026-11-27. Track it here: …" */
export function orderStatusText(data: unknown, language: string | undefined): string {
  const order = (data ?? {}) as OrderStatusData;
  const t = table(language);
  const status = t.status[order.status as Status] ?? order.status ?? '';
  const lines = [fill(t.order_status, { order: order.orderNumber ?? '', status })];
  if (order.estimatedDelivery && order.status !== 'delivered')
    lines.push(fill(t.order_eta, { date: order.estimatedDelivery }));
  if (order.tracking?.trackingUrl) lines.push(fill(t.order_tracking, { url: order.tracking.trackingUrl }));
  return lines.join('\n');
}
