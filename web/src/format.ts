// Numbers as a person reads them, with their provenance: a stated value to the digits the report
// gives, a derived one marked `*` and never shown as stated; qualifiers, kinds, units and
// intervals in words of the page's language.
import {
  type ComputeGrowthResponse,
  type Figure,
  MethodKind,
  type Interval,
  type Observation,
  ObservationKind,
  Provenance,
  Qualifier,
  type StatedRate,
  type Unit,
  UnitKind,
} from "@llmarket/client/forecast/v2";
import { type Lang, paren, t } from "./i18n.js";

/** Decimal digits of a rounding step: 0.1 → 1, 0.001 → 3, unset (unknown) → undefined. */
function digitsOf(resolution: number | undefined): number | undefined {
  if (resolution === undefined || !(resolution > 0)) return undefined;
  return Math.max(0, Math.round(-Math.log10(resolution)));
}

/** A number to `digits` decimals, or to three significant digits (at least one decimal). */
export function number(value: number, digits?: number): string {
  if (!Number.isFinite(value)) return value > 0 ? "∞" : "−∞";
  if (digits !== undefined) return value.toFixed(digits);
  const magnitude = Math.floor(Math.log10(Math.abs(value) || 1));
  return value.toFixed(Math.min(6, Math.max(1, 2 - magnitude)));
}

/** A fraction as a percentage: 0.807 → "80.7%" (to `digits` decimals of the percentage). */
export function percent(fraction: number, digits = 1): string {
  if (!Number.isFinite(fraction)) return fraction > 0 ? "∞" : "−∞";
  return `${(fraction * 100).toFixed(digits)}%`;
}

/** Whether the service derived `o` rather than the report stating it. */
export function isDerived(o: { provenance: Provenance }): boolean {
  return o.provenance !== Provenance.REPORTED;
}

/** An observation's value: stated to its digits; derived to three significant digits and `*`. */
export function observationValue(o: Observation): string {
  const value = figureValue(o.value);
  return isDerived(o) ? `${number(value)}*` : number(value, digitsOf(o.resolution));
}

/** The central value of a figure (NaN when the service sent none). */
export function figureValue(f: Figure | undefined): number {
  return f?.value ?? Number.NaN;
}

/** The qualifier in words: exact, about, at most, at least. */
export function qualifierWords(lang: Lang, q: Qualifier): string {
  switch (q) {
    case Qualifier.EXACT:
      return t(lang, "exact");
    case Qualifier.APPROXIMATE:
      return t(lang, "approximate");
    case Qualifier.UPPER_BOUND:
      return t(lang, "upperBound");
    case Qualifier.LOWER_BOUND:
      return t(lang, "lowerBound");
    case Qualifier.UNSPECIFIED:
      return t(lang, "unspecified");
  }
}

/** Actual or forecast. */
export function kindWords(lang: Lang, kind: ObservationKind): string {
  switch (kind) {
    case ObservationKind.ACTUAL:
      return t(lang, "actual");
    case ObservationKind.FORECAST:
      return t(lang, "forecast");
    case ObservationKind.UNSPECIFIED:
      return t(lang, "unspecified");
  }
}

/** Stated in the report, or derived by the service. */
export function provenanceWords(lang: Lang, p: Provenance): string {
  return p === Provenance.REPORTED ? t(lang, "stated") : t(lang, "derived");
}

/** The unit in words. */
export function unitWords(lang: Lang, unit: Unit | undefined): string {
  const usd = unit?.currencyCode === "USD";
  switch (unit?.kind) {
    case UnitKind.CURRENCY:
      if (usd && unit?.scaleExponent === 9) return t(lang, "usdBillion");
      break;
    case UnitKind.CURRENCY_PER_QUANTITY:
      if (usd && unit?.scaleExponent === 0 && unit.per === "token" && unit.perScaleExponent === 6) return t(lang, "usdPerMillionTokens");
      break;
    case UnitKind.FRACTION:
      return t(lang, "fraction");
    case UnitKind.INDEX:
      return t(lang, "index");
  }
  return t(lang, "unspecified");
}

/** An interval as "[low, high]", with `fmt` for its ends (an open side, absent, is ∓∞); "width
 * unknown" when it says so. */
export function intervalWords(lang: Lang, i: Interval | undefined, fmt: (v: number) => string = (v) => number(v, 3)): string {
  if (i === undefined) return "";
  const text = `[${fmt(i.low ?? -Infinity)}, ${fmt(i.high ?? Infinity)}]`;
  return i.widthUnknown ? `${text}${paren(lang, t(lang, "widthUnknown"))}` : text;
}

/** A derived figure as a percentage with its qualifier. */
export function estimatePercent(lang: Lang, e: Figure | undefined): string {
  if (e === undefined) return "?";
  const qualifier = e.qualifier === Qualifier.EXACT ? "" : `${qualifierWords(lang, e.qualifier)} `;
  return `${qualifier}${percent(e.value, 2)}*`;
}

/** A stated rate as the report gives it: "80.7%" to its digits. */
export function statedRateValue(rate: StatedRate): string {
  const digits = digitsOf(rate.resolution);
  return percent(figureValue(rate.value), digits === undefined ? 1 : Math.max(0, digits - 2));
}

/** An input of a derivation as "2024 (10.7, stated)". */
function inputWords(lang: Lang, input: { year: number; value: number; provenance: Provenance }): string {
  const basis = t(lang, input.provenance === Provenance.REPORTED ? "inputStated" : "inputDerived");
  return t(lang, "inputAt", { year: String(input.year), value: number(input.value), basis });
}

/** How a derived value was computed, in the page's language from the derivation's data where the
 * page knows the method (interpolation), else the service's words; empty for a stated value. */
export function methodWords(lang: Lang, o: Observation): string {
  const d = o.derivation;
  const [a, b] = d?.inputs ?? [];
  if (d?.methodKind === MethodKind.CAGR_INTERPOLATION && a !== undefined && b !== undefined) {
    return t(lang, "interpolation", { a: inputWords(lang, a), b: inputWords(lang, b) });
  }
  return d?.description ?? "";
}

/** How the CAGR was computed, in the page's language. */
export function growthMethodWords(lang: Lang, g: ComputeGrowthResponse): string {
  if (g.start === undefined || g.end === undefined) return g.description;
  const [start, end] = [g.start, g.end].map((o) => ({ year: o.year, value: figureValue(o.value), provenance: o.provenance }));
  return t(lang, "cagrMethod", {
    end: number(end.value),
    start: number(start.value),
    years: String(g.years),
    a: inputWords(lang, start),
    b: inputWords(lang, end),
  });
}
