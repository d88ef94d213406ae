import { describe, expect, it } from 'vitest';
import { asksForErasure } from '../../domain/erasure-request.js';

describe('a customer asking to delete their data', () => {
  it.each([
    'STOP',
    'stop',
    'Stop.',
    'DELETE MY DATA',
    'Please delete all my personal data',
    'I want you to erase my data now',
    'forget me',
    'Supprimez mes données svp',
    'je veux que vous supprimiez toutes mes données',
    'Effacer mes données personnelles',
    'Verwijder mijn gegevens alstublieft',
    'Bitte löschen Sie meine Daten',
    'Ich möchte, dass meine Daten gelöscht werden',
    'Borrar mis datos, por favor',
    'quiero que eliminen mis datos',
    'Cancella i miei dati',
    'Apaguem os meus dados',
    'quero excluir meus dados',
  ])('"%s" is a request', (text) => expect(asksForErasure(text)).toBe(true));

  it.each([
    'Where is my order?',
    'stop sending the wrong size please, I ordered a 42',
    'The bus stop is next to my house, deliver there',
    'Can I update my data? My address changed',
    'delete the second item from my order',
    'ma commande est arrivée, merci',
    'Meine Bestellung ist nicht angekommen',
    '¿Para cuándo llega mi pedido?',
    'I lost my data cable, do you sell one?',
  ])('"%s" is not', (text) => expect(asksForErasure(text)).toBe(false));
});
