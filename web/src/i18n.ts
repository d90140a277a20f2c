// The page's fixed words in both languages, from one dictionary (words.json): every entry must be a
// `Words` with both languages, so an entry missing a translation does not compile. Concept labels,
// milestone titles and series titles are not here: they come from the services in the language
// asked for.

import WORDS_JSON from "./words.json";

/** The languages of the page. */
export type Lang = "en" | "zh";

/** One entry: the same words in both languages. */
type Words = { readonly en: string; readonly zh: string };

/** The BCP-47 code sent to the taxonomy service, and the page's `lang` attribute. */
export const LANGUAGE_CODE: Record<Lang, string> = { en: "en", zh: "zh-Hans" };

// The dictionary itself is data: words.json, checked here against `Words` (both languages).
const WORDS = WORDS_JSON satisfies Record<string, Words>;

/** A key of the dictionary. */
export type Key = keyof typeof WORDS;

/** The words of `key` in `lang`, with each `{name}` replaced by `values[name]`. */
export function t(lang: Lang, key: Key, values: Record<string, string> = {}): string {
  return WORDS[key][lang].replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}

/** `x` in parentheses as the language writes them: " (x)" or "（x）". */
export function paren(lang: Lang, x: string): string {
  return t(lang, "paren", { x });
}

/** `label` then a colon as the language writes it: "label: " or "label：". */
export function label(lang: Lang, key: Key): string {
  return `${t(lang, key)}${t(lang, "colon")}`;
}
