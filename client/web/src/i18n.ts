// The page's fixed words in both languages, from one dictionary: every entry is a `Words` with both
// languages, so an entry missing a translation does not compile. Concept labels, milestone titles
// and series titles are not here: they come from the services in the language asked for.

/** The languages of the page. */
export type Lang = "en" | "zh";

/** One entry: the same words in both languages. */
type Words = { readonly en: string; readonly zh: string };

/** The BCP-47 code sent to the taxonomy service, and the page's `lang` attribute. */
export const LANGUAGE_CODE: Record<Lang, string> = { en: "en", zh: "zh-Hans" };

const WORDS = {
  pageTitle: { en: "Large-model market report", zh: "大模型市场报告" },
  switchTo: { en: "中文", zh: "English" },
  switchToLabel: { en: "切换到中文", zh: "Switch to English" },
  loading: { en: "Loading from the services…", zh: "正在从服务读取…" },
  services: { en: "Services (gRPC-Web)", zh: "服务（gRPC-Web）" },
  forecastService: { en: "forecast", zh: "预测服务" },
  taxonomyService: { en: "taxonomy", zh: "分类服务" },
  publisher: { en: "Publisher", zh: "发布方" },
  notice: { en: "Notice", zh: "声明" },
  overview: { en: "Market overview", zh: "市场概览" },
  marketSize: { en: "Market size", zh: "市场规模" },
  year: { en: "Year", zh: "年份" },
  value: { en: "Value", zh: "数值" },
  basis: { en: "Basis", zh: "依据" },
  interval: { en: "Possible range", zh: "可能范围" },
  source: { en: "Source", zh: "来源" },
  section: { en: "§", zh: "§" },
  method: { en: "Method", zh: "方法" },
  actual: { en: "actual", zh: "实际" },
  forecast: { en: "forecast", zh: "预测" },
  stated: { en: "stated in the report", zh: "报告所述" },
  derived: { en: "derived by the service", zh: "由服务推算" },
  exact: { en: "exact", zh: "精确" },
  approximate: { en: "about", zh: "约" },
  upperBound: { en: "at most", zh: "至多" },
  lowerBound: { en: "at least", zh: "至少" },
  unspecified: { en: "unspecified", zh: "未指明" },
  widthUnknown: { en: "width unknown", zh: "宽度未知" },
  pastHorizon: { en: "beyond the report's horizon", zh: "超出报告涉及的年份" },
  derivedNote: {
    en: "* derived by the forecast service, not stated in the report",
    zh: "* 由预测服务推算，报告未直接给出",
  },
  paren: { en: " ({x})", zh: "（{x}）" },
  colon: { en: ": ", zh: "：" },
  inputStated: { en: "stated", zh: "报告所述" },
  inputDerived: { en: "derived", zh: "推算" },
  inputAt: { en: "{year} ({value}, {basis})", zh: "{year} 年（{value}，{basis}）" },
  interpolation: { en: "geometric interpolation between {a} and {b}", zh: "{a}与{b}之间的几何插值" },
  cagrMethod: { en: "({end} / {start})^(1/{years}) − 1, from {a} to {b}", zh: "({end} / {start})^(1/{years}) − 1，由{a}至{b}" },
  usdBillion: { en: "USD billion", zh: "十亿美元" },
  usdPerMillionTokens: { en: "USD per million tokens", zh: "美元/百万 token" },
  fraction: { en: "fraction", zh: "比例" },
  index: { en: "index", zh: "指数" },
  chartStated: { en: "stated in the report", zh: "报告所述" },
  chartDerived: { en: "derived (interpolated) by the service", zh: "由服务推算（插值）" },
  chartInterval: { en: "where the true value may lie", zh: "数值可能的范围" },
  chartRange: {
    en: "Possible range per year, ± % of the value (magnified; ? = width unknown)",
    zh: "各年数值可能的范围，占数值的 ±%（放大显示；? 表示宽度未知）",
  },
  chartCaption: {
    en: "Market size by year: filled dots are the report's figures, hollow dots the service's interpolation; bars show where the true value may lie, the strip under the years shows that range magnified.",
    zh: "各年市场规模：实心点为报告所述数值，空心点为服务插值推算；竖线表示数值可能的范围，年份下方的条带将该范围放大显示。",
  },
  growth: { en: "Growth", zh: "增长" },
  cagrComputed: { en: "CAGR (computed)", zh: "年复合增长率（计算）" },
  cagrStated: { en: "CAGR (stated)", zh: "年复合增长率（报告）" },
  multiple: { en: "Multiple", zh: "倍数" },
  years: { en: "years", zh: "年" },
  withinRounding: { en: "within the rounding of the inputs", zh: "输入数值的舍入范围内" },
  agrees: {
    en: "The stated CAGR agrees with the computed one within rounding.",
    zh: "报告所述年复合增长率与计算值在舍入范围内一致。",
  },
  disagrees: {
    en: "The stated CAGR does not agree with the computed one within rounding.",
    zh: "报告所述年复合增长率与计算值在舍入范围内不一致。",
  },
  noStatedRate: { en: "The report states no CAGR for this span.", zh: "报告未给出此区间的年复合增长率。" },
  breakdown: { en: "Breakdown", zh: "构成" },
  component: { en: "Component", zh: "组成部分" },
  share: { en: "Share", zh: "占比" },
  total: { en: "Total", zh: "合计" },
  sum: { en: "Sum of components", zh: "各组成部分之和" },
  residual: { en: "Residual", zh: "差额" },
  addUp: { en: "The components add up to the total within rounding.", zh: "各组成部分之和在舍入范围内等于合计。" },
  doNotAddUp: {
    en: "The components do not add up to the total within rounding.",
    zh: "各组成部分之和在舍入范围内不等于合计。",
  },
  context: { en: "Drivers, trends and barriers", zh: "驱动因素、发展趋势与竞争壁垒" },
  drivers: { en: "Drivers", zh: "驱动因素" },
  trends: { en: "Trends", zh: "发展趋势" },
  barriers: { en: "Barriers", zh: "竞争壁垒" },
  timeline: { en: "Milestone timeline", zh: "里程碑时间线" },
  milestones: { en: "Milestones", zh: "里程碑" },
  noMilestones: { en: "—", zh: "—" },
  noMarketSize: { en: "no value", zh: "无数值" },
  endOfYear: { en: "end of year", zh: "年末" },
  month: { en: "{name}", zh: "{m} 月" },
  ladder: { en: "Capability ladder (L1–L5)", zh: "能力阶梯（L1–L5）" },
  currentLevel: { en: "current level", zh: "当前等级" },
  atTheBorder: { en: "current level: models have reached its border", zh: "当前等级：模型已达到其交界处" },
  noCurrentLevel: { en: "The taxonomy names no current level.", zh: "概念体系未指明当前等级。" },
  missing: { en: "Not available (see the warning above).", zh: "暂缺（见上方警告）。" },
  warning: { en: "Warning", zh: "警告" },
  unavailable: {
    en: "The {service} service at {url} did not answer ({code}): {parts} cannot be shown. Everything else on this page comes from the other service.",
    zh: "{url} 上的{service}未响应（{code}）：无法显示{parts}。本页其余内容来自另一项服务。",
  },
  partsOfTaxonomy: {
    en: "the drivers, trends and barriers, the milestones and the capability ladder",
    zh: "驱动因素、发展趋势、竞争壁垒、里程碑与能力阶梯",
  },
  partsOfForecast: { en: "the market figures", zh: "市场数据" },
  languageFallback: {
    en: "The taxonomy has no texts in this language; they are shown in the source language.",
    zh: "分类服务没有该语言的文本，以源语言显示。",
  },
  codeUnavailable: { en: "unavailable", zh: "不可用" },
  codeUnreachable: {
    en: "unreachable: not running, or not allowing this page's origin (--cors-origin)",
    zh: "无法连接：服务未运行，或未允许本页的来源（--cors-origin）",
  },
  codeDeadline: { en: "timed out", zh: "超时" },
  codeOther: { en: "error {code}", zh: "错误 {code}" },
  footer: {
    en: "Figures from the forecast service, words from the taxonomy service, called from this page over gRPC-Web.",
    zh: "数据来自预测服务，文字来自分类服务，由本页通过 gRPC-Web 调用。",
  },
} as const satisfies Record<string, Words>;

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
