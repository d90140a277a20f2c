// Texts of contract v2: a list of (language, text) for every language the data has. The page
// shows the one in its language, else the source language's (the first), and says so.
import { LANGUAGE_CODE, type Lang } from "./i18n.js";

/** One localized text, as v2 messages carry them. */
export interface Localized {
  languageCode: string;
  text: string;
}

/** The text in `lang`, else the first one (the source language), else "". */
export function textIn(lang: Lang, texts: Localized[]): string {
  return (texts.find((x) => x.languageCode === LANGUAGE_CODE[lang]) ?? texts[0])?.text ?? "";
}

/** Whether some non-empty list of `lists` has no text in `lang` (the page then shows another). */
export function missingIn(lang: Lang, lists: Localized[][]): boolean {
  return lists.some((texts) => texts.length > 0 && !texts.some((x) => x.languageCode === LANGUAGE_CODE[lang]));
}
