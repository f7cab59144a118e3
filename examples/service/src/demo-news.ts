/**
 * The embedded deployment's demo news: the synthetic clicks and articles of `@mycontent/core/data`,
 * with newspaper sections for category names and a headline and a standfirst per article (made up
 * from the article id, the same on every start), so that the web feed reads like a news site.
 */
import { generateSyntheticNews, type SyntheticScale } from '@mycontent/core/data';

/** The sections, largest first (the synthetic categories are Zipf-sized by code). */
export const SECTIONS = ['politics', 'sport', 'economy', 'culture', 'science', 'technology', 'health', 'world', 'travel', 'food', 'music', 'cinema'];

const SUBJECTS: Record<string, string[]> = {
  politics: ['Parliament', 'The city council', 'The minister', 'Voters', 'The opposition'],
  sport: ['The national team', 'A record-breaking sprinter', 'The league leaders', 'The veteran coach', 'A young striker'],
  economy: ['The central bank', 'Small businesses', 'Exporters', 'The housing market', 'A fintech start-up'],
  culture: ['A new museum', 'The festival', 'A debut novelist', 'The city theatre', 'A street artist'],
  science: ['Astronomers', 'A research team', 'Marine biologists', 'Physicists', 'A lab in the north'],
  technology: ['A chip maker', 'An open-source project', 'The regulator', 'A robotics firm', 'Developers'],
  health: ['Doctors', 'The health agency', 'A new study', 'Nurses', 'Hospitals'],
  world: ['Diplomats', 'Neighbouring countries', 'Aid agencies', 'Island nations', 'The summit'],
  travel: ['Night trains', 'A mountain village', 'Airlines', 'A coastal town', 'Hikers'],
  food: ['A family bakery', 'Chefs', 'Market gardeners', 'A street-food fair', 'Winemakers'],
  music: ['An indie band', 'The orchestra', 'A jazz club', 'A singer-songwriter', 'The summer festival'],
  cinema: ['A documentary', 'The film festival', 'An animated feature', 'A first-time director', 'The old cinema'],
};
const VERBS = ['bet on', 'rethought', 'took on', 'celebrated', 'warned about', 'unveiled', 'questioned', 'rediscovered', 'pushed back on', 'doubled down on'];
const OBJECTS = ['a bold plan', 'the next season', 'an old rivalry', 'a quiet revolution', 'the numbers', 'a long-awaited change', 'its critics', 'a surprise result'];

/** A deterministic pick from a list, by a string's hash. */
function pick<T>(list: readonly T[], key: string, salt: number): T {
  let h = 0x811c9dc5 ^ salt;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return list[(h >>> 0) % list.length]!;
}

/** The section name of a synthetic category code: the first twelve by name, the others numbered ("sport 2"). */
export function sectionOf(code: number): string {
  const name = SECTIONS[code % SECTIONS.length]!;
  return code < SECTIONS.length ? name : `${name} ${Math.floor(code / SECTIONS.length) + 1}`;
}

/** The synthetic news with sections, headlines and standfirsts. */
export function demoNews(scale: SyntheticScale, seed: number) {
  const news = generateSyntheticNews(scale, { seed });
  const items = news.items.map((item) => {
    const section = sectionOf(Number(item.category));
    const base = section.split(' ')[0]!;
    const subject = pick(SUBJECTS[base]!, item.id, 1);
    const title = `${subject} ${pick(VERBS, item.id, 2)} ${pick(OBJECTS, item.id, 3)}`;
    return { ...item, category: section, title, summary: `${title}: what it means for ${base} readers, in ${2 + ((item.wordsCount ?? 300) % 7)} minutes.` };
  });
  return { ...news, items };
}
