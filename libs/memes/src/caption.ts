import { createHash } from 'node:crypto';
import { Place } from './places';

export interface Caption {
  /** Which classic meme the caption follows. */
  readonly template: string;
  readonly top: string;
  readonly bottom: string;
}

/** Farther than this from any town, the place is "the middle of nowhere". */
const NOWHERE_KM = 250;

const TEMPLATES: readonly { id: string; write: (query: string, place: string) => [string, string] }[] = [
  { id: 'one-does-not-simply', write: (q, p) => ['One does not simply', `${q} in ${p}`] },
  { id: 'brace-yourselves', write: (q, p) => ['Brace yourselves', `${q} is coming to ${p}`] },
  { id: 'keep-calm', write: (q, p) => ['Keep calm', `and ${q} in ${p}`] },
  { id: 'nobody', write: (q, p) => ['Nobody:', `Absolutely no one in ${p}: ${q}`] },
  { id: 'is-this', write: (q, p) => [`${p}:`, `Is this ${q}?`] },
  { id: 'what-if-i-told-you', write: (q, p) => ['What if I told you', `${p} runs on ${q}`] },
  { id: 'success-kid', write: (q, p) => [`Went to ${p}`, `Found ${q}`] },
  { id: 'not-sure-if', write: (q, p) => [`Not sure if ${q}`, `or just ${p}`] },
];

/** More templates for premium memes made on this machine (no AI configured, or AI failing). */
const PREMIUM_TEMPLATES: typeof TEMPLATES = [
  ...TEMPLATES,
  { id: 'galaxy-brain', write: (q, p) => [`Small brain: ${p}`, `Galaxy brain: ${q}`] },
  { id: 'two-buttons', write: (q, p) => [`${q}`, `or leave ${p}? Sweating.`] },
  { id: 'this-is-fine', write: (q, p) => [`${q} in ${p}`, 'This is fine.'] },
  { id: 'change-my-mind', write: (q, p) => [`${p} needs ${q}`, 'Change my mind'] },
  { id: 'drake-prefers', write: (q, p) => [`Nah: ${p} as usual`, `Yes: ${q}`] },
  { id: 'distracted', write: (q, p) => [`Me in ${p}`, `Also me, seeing ${q}`] },
];

export function placeLabel(place: Place): string {
  if (place.distanceKm > NOWHERE_KM) return `the middle of nowhere (${Math.round(place.distanceKm)} km from ${place.name})`;
  return `${place.name}, ${place.country}`;
}

/**
 * A meme caption that quotes the query verbatim and names the place. The template is picked
 * from the query and place, so the same request reads the same way every time.
 */
export function writeCaption(query: string, place: Place, { premium = false } = {}): Caption {
  const label = placeLabel(place);
  const digest = createHash('sha1').update(`${query}\u0000${label}`).digest();
  const templates = premium ? PREMIUM_TEMPLATES : TEMPLATES;
  const template = templates[digest.readUInt32BE(0) % templates.length];
  const [top, bottom] = template.write(query, label);
  return { template: template.id, top, bottom };
}

export const TEMPLATE_IDS = TEMPLATES.map((template) => template.id);
export const PREMIUM_TEMPLATE_IDS = PREMIUM_TEMPLATES.map((template) => template.id);
