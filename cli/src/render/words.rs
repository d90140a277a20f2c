//! The fixed words of the rendered reports (headings, labels, notes) in the report's language, as
//! message keys with one exhaustive `match` per language: a key without a translation does not
//! build. Labels and definitions of concepts come from the taxonomy already in that language.

use llmarket_client::reports::{
    Language,
    model::{Kind, Unit},
};

/// The fixed words of a report in one language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Words(pub(crate) Language);

impl Words {
    /// `msg` in this language.
    pub(crate) fn t(self, msg: Msg) -> &'static str {
        match self.0 {
            Language::En => msg.en(),
            Language::Zh => msg.zh(),
        }
    }

    /// `msg` in this language, owned (for document fields and rows).
    pub(crate) fn s(self, msg: Msg) -> String {
        self.t(msg).to_owned()
    }

    /// Each of `msgs` in this language (e.g. a table's headers).
    pub(crate) fn all(self, msgs: &[Msg]) -> Vec<&'static str> {
        msgs.iter().map(|msg| self.t(*msg)).collect()
    }

    /// A unit as a person reads it.
    pub(crate) fn unit(self, unit: Unit) -> &'static str {
        self.t(match unit {
            Unit::UsdBillion => Msg::UsdBillion,
            Unit::UsdPerMillionTokens => Msg::UsdPerMillionTokens,
            Unit::Fraction => Msg::Percent,
            Unit::Index => Msg::Index,
        })
    }

    /// A unit as a person reads it, owned.
    pub(crate) fn s_unit(self, unit: Unit) -> String {
        self.unit(unit).to_owned()
    }

    /// "actual" or "forecast".
    pub(crate) fn kind(self, kind: Kind) -> &'static str {
        self.t(match kind {
            Kind::Actual => Msg::Actual,
            Kind::Forecast => Msg::Forecast,
        })
    }
}

/// A fixed word or phrase of the rendered reports; each doc line gives its English.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Msg {
    Dataset,
    Publisher,
    Year,
    Notice,
    Kind,
    Basis,
    Actual,
    Forecast,
    Stated,
    Derived,
    Base,
    DerivedNote,
    Growth,
    Cagr,
    AYear,
    CagrComputed,
    CagrStated,
    WithinRounding,
    Multiple,
    YearsCount,
    Check,
    StatedCagrAgrees,
    StatedCagrDisagrees,
    NoneStatedForSpan,
    Method,
    Warnings,
    Breakdown,
    Component,
    Share,
    Total,
    ComponentsAddUp,
    ComponentsDoNotAddUp,
    Sum,
    Residual,
    CurrentCapabilityLevel,
    Level,
    Position,
    Definition,
    Drivers,
    Trends,
    Barriers,
    NotAvailable,
    Concept,
    Scheme,
    Hierarchy,
    Narrower,
    Related,
    Source,
    Series,
    Parent,
    StatedRate,
    ShareOf,
    ShareOfParent,
    NoLinkedSeries,
    Timeline,
    MilestonesBeside,
    MarketSize,
    Milestones,
    Outlook,
    NoneStated,
    FallEachYear,
    /// Fall so far (the cost's fall between its stated values)
    FallSoFar,
    /// derived: computed from the values the report states
    ComputedFromStated,
    StatedValues,
    ProjectionAt,
    From,
    UnlockedApplications,
    UnlockedBy,
    UsdBillion,
    UsdPerMillionTokens,
    Percent,
    Index,
    LogScale,
    SeriesOf,
    Title,
    Unit,
    Years,
    Components,
    Broader,
    Attribute,
    ConceptsMatching,
    Label,
    Score,
    Matched,
    Hits,
    /// hit (one)
    Hit,
    /// year (one)
    YearCount,
    NotAnswered,
    ProjectionAtStatedRate,
    YearAxis,
    StatedInReport,
    DerivedByService,
    About,
    AtMost,
    AtLeast,
    InterpolationBetween,
    And,
    YearOverYear,
    TheStatedCagr,
    TheStatedAnnualChange,
    ProjectionFrom,
    Projected,
    ComputedByService,
    To,
    After,
    HorizonYear,
    PastHorizon,
    FallOf,
    InterpolationRate,
    Note,
    OnlyDerivedGrowth,
    PositionBorder,
    UnlockedByAttribute,
    LabelsOfRelated,
    Missing,
    StatesBefore,
    NoGrowthAfter,
    /// value of this series in the span: no growth to compute
    NoGrowthAfterOne,
    StatedLine,
    // Charts.
    ChartSource,
    DerivedPointsByLlmarket,
    IntervalBar,
    OpenBound,
    /// constant growth between the values (derived)
    GrowthPath,
    MilestoneMarker,
    /// at most / at least, derived (a bound the service derived)
    DerivedBound,
    /// past the report's horizon (the shaded years of a chart)
    PastHorizonShade,
    // What an analyst reaches for.
    Datasets,
    SeriesMatching,
    SeriesCompared,
    Transform,
    TransformYoy,
    TransformIndex,
    TransformShare,
    SeriesCount,
    /// * share of the total, computed by the service: component ÷ total
    ShareDerivedNote,
    /// horizon (a dataset's last year with a stated value)
    Horizon,
    /// Edition (a table's header)
    EditionHeader,
    /// Data version (a table's header)
    DataVersionHeader,
    /// Scope of (a series' note on what it covers)
    ScopeOf,
    /// edition
    Edition,
    /// data version
    DataVersion,
    /// Schemes
    Schemes,
    /// Concepts
    ConceptCount,
    /// Concepts of
    ConceptsOf,
    /// Concepts of every scheme
    AllConcepts,
    /// Capability ladder (L1–L5)
    CapabilityLadder,
    /// current level
    CurrentLevel,
    /// current level: models have reached its border
    CurrentAtTheBorder,
    /// The taxonomy names no current level (no level carries the attribute current_level).
    NoCurrentLevel,
    /// Nothing found.
    NothingFound,
    /// Nothing in range.
    NothingInRange,
    /// Chinese (a concept's words in the report's language)
    LangZh,
    /// English
    LangEn,
    /// also (before a concept's alternative labels)
    Also,
    /// snapshot (`llmarket watch`: the versions when the watch began)
    WatchSnapshot,
    /// change (`llmarket watch`: a reload that changed something)
    WatchChange,
    /// heartbeat (`llmarket watch`: the stream is alive, nothing changed)
    WatchHeartbeat,
    /// interrupted (`llmarket watch`: the stream ended and is resumed)
    WatchInterrupted,
    /// no change
    NoChange,
    /// latest edition
    LatestEdition,
    /// content (a dataset's content version)
    ContentVersion,
    /// added (a resource a reload added)
    Added,
    /// changed (a resource a reload changed)
    Changed,
    /// removed (a resource a reload removed)
    Removed,
    /// " and " before the count of changes a line does not name
    AndMoreBefore,
    /// " more" after that count
    AndMoreAfter,
    /// "resuming after " before the data version a watch resumes from
    ResumingBefore,
    /// what follows that data version
    ResumingAfter,
    /// watching again
    WatchingAgain,
}

impl Msg {
    /// English.
    fn en(self) -> &'static str {
        match self {
            Self::Dataset => "Dataset",
            Self::Publisher => "Publisher",
            Self::Year => "Year",
            Self::Notice => "Notice",
            Self::Kind => "Kind",
            Self::Basis => "Basis",
            Self::Actual => "actual",
            Self::Forecast => "forecast",
            Self::Stated => "stated",
            Self::Derived => "derived",
            Self::Base => "base",
            Self::DerivedNote => "* derived by the forecast service, not stated in the report:",
            Self::Growth => "Growth",
            Self::Cagr => "CAGR",
            Self::AYear => "a year",
            Self::CagrComputed => "CAGR, computed",
            Self::CagrStated => "CAGR, stated",
            Self::WithinRounding => "within the rounding of the inputs",
            Self::Multiple => "Multiple, computed",
            Self::YearsCount => "years",
            Self::Check => "Check",
            Self::StatedCagrAgrees => {
                "the stated CAGR agrees with the computed one within rounding"
            }
            Self::StatedCagrDisagrees => {
                "the stated CAGR does NOT agree with the computed one within rounding"
            }
            Self::NoneStatedForSpan => "the report states none for this span",
            Self::Method => "Method",
            Self::Warnings => "Warnings",
            Self::Breakdown => "Breakdown",
            Self::Component => "Component",
            Self::Share => "Share",
            Self::Total => "Total",
            Self::ComponentsAddUp => "The components add up to the total within rounding",
            Self::ComponentsDoNotAddUp => {
                "The components do NOT add up to the total within rounding"
            }
            Self::Sum => "sum",
            Self::Residual => "residual",
            Self::CurrentCapabilityLevel => "Current capability level",
            Self::Level => "Level",
            Self::Position => "Position",
            Self::Definition => "Definition",
            Self::Drivers => "Drivers",
            Self::Trends => "Trends",
            Self::Barriers => "Barriers",
            Self::NotAvailable => "Not available (see the warnings).",
            Self::Concept => "Concept",
            Self::Scheme => "Scheme",
            Self::Hierarchy => "Hierarchy",
            Self::Narrower => "Narrower",
            Self::Related => "Related",
            Self::Source => "Source",
            Self::Series => "Series",
            Self::Parent => "Parent",
            Self::StatedRate => "Stated rate",
            Self::ShareOf => "Share of",
            Self::ShareOfParent => "Share of parent",
            Self::NoLinkedSeries => "The concept links to no forecast series.",
            Self::Timeline => "Timeline",
            Self::MilestonesBeside => "Milestones beside the",
            Self::MarketSize => "Market size",
            Self::Milestones => "Milestones",
            Self::Outlook => "outlook",
            Self::NoneStated => "none stated",
            Self::FallEachYear => "fall each year",
            Self::FallSoFar => "Fall so far",
            Self::ComputedFromStated => "derived: computed from the values the report states",
            Self::StatedValues => "Stated values",
            Self::ProjectionAt => "Projection at",
            Self::From => "from",
            Self::UnlockedApplications => "Applications the cost decline unlocks",
            Self::UnlockedBy => "unlocked by",
            Self::UsdBillion => "USD billion",
            Self::UsdPerMillionTokens => "USD per million tokens",
            Self::Percent => "percent",
            Self::Index => "index",
            Self::LogScale => "log scale",
            Self::SeriesOf => "Series of",
            Self::Title => "Title",
            Self::Unit => "Unit",
            Self::Years => "Years",
            Self::Components => "Components",
            Self::Broader => "Broader",
            Self::Attribute => "Attribute",
            Self::ConceptsMatching => "Concepts matching",
            Self::Label => "Label",
            Self::Score => "Score",
            Self::Matched => "Matched",
            Self::Hits => "hits",
            Self::Hit => "hit",
            Self::YearCount => "year",
            Self::NotAnswered => "n/a",
            Self::ProjectionAtStatedRate => "projection at the stated rate",
            Self::YearAxis => "year",
            Self::StatedInReport => "stated in the report",
            Self::DerivedByService => "derived by the service",
            Self::About => "about",
            Self::AtMost => "at most",
            Self::AtLeast => "at least",
            Self::InterpolationBetween => "geometric interpolation between",
            Self::And => "and",
            Self::YearOverYear => "year-over-year growth",
            Self::TheStatedCagr => "the stated CAGR",
            Self::TheStatedAnnualChange => "the stated annual change",
            Self::ProjectionFrom => "projection from",
            Self::Projected => "projected",
            Self::ComputedByService => "computed by the forecast service",
            Self::To => "to",
            Self::After => "after",
            Self::HorizonYear => "the last year the report states any value for",
            Self::PastHorizon => {
                "the report says nothing about these years; their values only extend the rate."
            }
            Self::FallOf => "a fall of",
            Self::InterpolationRate => "Interpolation rate",
            Self::Note => "Note",
            Self::OnlyDerivedGrowth => {
                "both ends are interpolated, so this is only the rate the interpolation assumed, not a growth figure of the report"
            }
            Self::PositionBorder => "border",
            Self::UnlockedByAttribute => "Unlocked by",
            Self::LabelsOfRelated => "labels of related concepts",
            Self::Missing => "missing",
            Self::StatesBefore => "the report states",
            Self::NoGrowthAfter => "values of this series in the span: no growth to compute",
            Self::NoGrowthAfterOne => "value of this series in the span: no growth to compute",
            Self::StatedLine => "values the report states",
            Self::ChartSource => "Source",
            Self::DerivedPointsByLlmarket => "derived points by llmarket",
            Self::IntervalBar => "where the value may lie",
            Self::OpenBound => "at most / at least (open side)",
            Self::GrowthPath => "constant growth between the values (derived)",
            Self::MilestoneMarker => "milestone",
            Self::DerivedBound => "at most / at least, derived",
            Self::PastHorizonShade => "past the report's horizon (†)",
            Self::Datasets => "Datasets",
            Self::SeriesMatching => "Series matching",
            Self::SeriesCompared => "Series compared",
            Self::Transform => "Transform",
            Self::TransformYoy => "growth over the previous year (derived by the service)",
            Self::TransformIndex => "index, first year of the span = 100 (derived by the service)",
            Self::TransformShare => "share of the parent series (derived by the service)",
            Self::SeriesCount => "Series",
            Self::Horizon => "Horizon",
            Self::EditionHeader => "Edition",
            Self::DataVersionHeader => "Data version",
            Self::ShareDerivedNote => {
                "* share of the total, computed by the service: component ÷ total"
            }
            Self::ScopeOf => "Scope of",
            Self::Edition => "edition",
            Self::DataVersion => "data version",
            Self::Schemes => "Schemes",
            Self::ConceptCount => "Concepts",
            Self::ConceptsOf => "Concepts of",
            Self::AllConcepts => "Concepts of every scheme",
            Self::CapabilityLadder => "Capability ladder (L1–L5)",
            Self::CurrentLevel => "current level",
            Self::CurrentAtTheBorder => "current level: models have reached its border",
            Self::NoCurrentLevel => "The taxonomy names no current level.",
            Self::NothingFound => "Nothing found.",
            Self::NothingInRange => "Nothing in range.",
            Self::LangZh => "Chinese",
            Self::LangEn => "English",
            Self::Also => "also",
            Self::WatchSnapshot => "snapshot",
            Self::WatchChange => "change",
            Self::WatchHeartbeat => "heartbeat",
            Self::WatchInterrupted => "interrupted",
            Self::NoChange => "no change",
            Self::LatestEdition => "latest edition",
            Self::ContentVersion => "content",
            Self::Added => "added",
            Self::Changed => "changed",
            Self::Removed => "removed",
            Self::AndMoreBefore => " and ",
            Self::AndMoreAfter => " more",
            Self::ResumingBefore => "resuming after ",
            Self::ResumingAfter => "",
            Self::WatchingAgain => "watching again",
        }
    }

    /// Chinese (zh-Hans), with full-width punctuation.
    fn zh(self) -> &'static str {
        match self {
            Self::Dataset => "数据集",
            Self::Publisher => "发布方",
            Self::Year => "年份",
            Self::Notice => "声明",
            Self::Kind => "类型",
            Self::Basis => "依据",
            Self::Actual => "实际",
            Self::Forecast => "预测",
            Self::Stated => "报告所述",
            Self::Derived => "推算",
            Self::Base => "基数",
            Self::DerivedNote => "* 由预测服务推算，报告未直接给出：",
            Self::Growth => "增长",
            Self::Cagr => "年复合增长率",
            Self::AYear => "每年",
            Self::CagrComputed => "年复合增长率（计算）",
            Self::CagrStated => "年复合增长率（报告）",
            Self::WithinRounding => "输入数值的舍入范围内",
            Self::Multiple => "倍数（计算）",
            Self::YearsCount => "年",
            Self::Check => "核对",
            Self::StatedCagrAgrees => "报告所述年复合增长率与计算值在舍入范围内一致",
            Self::StatedCagrDisagrees => "报告所述年复合增长率与计算值在舍入范围内不一致",
            Self::NoneStatedForSpan => "报告未给出此区间的数值",
            Self::Method => "方法",
            Self::Warnings => "警告",
            Self::Breakdown => "构成",
            Self::Component => "组成部分",
            Self::Share => "占比",
            Self::Total => "合计",
            Self::ComponentsAddUp => "各组成部分之和在舍入范围内等于合计",
            Self::ComponentsDoNotAddUp => "各组成部分之和在舍入范围内不等于合计",
            Self::Sum => "之和",
            Self::Residual => "差额",
            Self::CurrentCapabilityLevel => "当前能力等级",
            Self::Level => "等级",
            Self::Position => "位置",
            Self::Definition => "定义",
            Self::Drivers => "驱动因素",
            Self::Trends => "发展趋势",
            Self::Barriers => "竞争壁垒",
            Self::NotAvailable => "暂缺（见警告）。",
            Self::Concept => "概念",
            Self::Scheme => "概念体系",
            Self::Hierarchy => "层级",
            Self::Narrower => "下位概念",
            Self::Related => "相关概念",
            Self::Source => "来源",
            Self::Series => "序列",
            Self::Parent => "上级序列",
            Self::StatedRate => "报告所述变化率",
            Self::ShareOf => "的比例",
            Self::ShareOfParent => "占上级序列比例",
            Self::NoLinkedSeries => "该概念未关联预测序列。",
            Self::Timeline => "时间线",
            Self::MilestonesBeside => "与各年里程碑",
            Self::MarketSize => "市场规模",
            Self::Milestones => "里程碑",
            Self::Outlook => "展望",
            Self::NoneStated => "报告未给出",
            Self::FallEachYear => "每年下降倍数",
            Self::FallSoFar => "已述降幅",
            Self::ComputedFromStated => "推算：由报告所述数值计算",
            Self::StatedValues => "报告所述数值",
            Self::ProjectionAt => "起按每年",
            Self::From => "自",
            Self::UnlockedApplications => "成本下降解锁的应用",
            Self::UnlockedBy => "解锁因素",
            Self::UsdBillion => "十亿美元",
            Self::UsdPerMillionTokens => "美元/百万 token",
            Self::Percent => "百分比",
            Self::Index => "指数",
            Self::LogScale => "对数刻度",
            Self::SeriesOf => "数据集中的序列",
            Self::Title => "标题",
            Self::Unit => "单位",
            Self::Years => "年份范围",
            Self::Components => "组成序列",
            Self::Broader => "上位概念",
            Self::Attribute => "属性",
            Self::ConceptsMatching => "匹配的概念",
            Self::Label => "名称",
            Self::Score => "相关度",
            Self::Matched => "匹配文本",
            Self::Hits => "条结果",
            Self::Hit => "条结果",
            Self::YearCount => "年",
            Self::NotAnswered => "暂缺",
            Self::ProjectionAtStatedRate => "按报告所述变化率预测",
            Self::YearAxis => "年份",
            Self::StatedInReport => "报告所述",
            Self::DerivedByService => "由服务推算",
            Self::About => "约",
            Self::AtMost => "至多",
            Self::AtLeast => "至少",
            Self::InterpolationBetween => "之间的几何插值",
            Self::And => "与",
            Self::YearOverYear => "同比增长",
            Self::TheStatedCagr => "报告所述年复合增长率",
            Self::TheStatedAnnualChange => "报告所述年变化率",
            Self::ProjectionFrom => "自",
            Self::Projected => "预测",
            Self::ComputedByService => "由预测服务计算",
            Self::To => "至",
            Self::After => "之后",
            Self::HorizonYear => "报告给出数值的最后一年",
            Self::PastHorizon => "报告未涉及这些年份，其数值仅为按变化率的外推。",
            Self::FallOf => "下降",
            Self::InterpolationRate => "插值增长率",
            Self::Note => "说明",
            Self::OnlyDerivedGrowth => {
                "两端均为插值推算，此数值仅为插值所假定的增长率，并非报告给出的增长数据"
            }
            Self::PositionBorder => "交界处",
            Self::UnlockedByAttribute => "解锁因素",
            Self::LabelsOfRelated => "相关概念的名称",
            Self::Missing => "暂缺",
            Self::StatesBefore => "报告在此区间给出该序列的",
            Self::NoGrowthAfter => "个数值，无法计算增长",
            Self::NoGrowthAfterOne => "个数值，无法计算增长",
            Self::StatedLine => "报告所述数值",
            Self::ChartSource => "来源",
            Self::DerivedPointsByLlmarket => "推算点由 llmarket 计算",
            Self::IntervalBar => "数值可能的范围",
            Self::OpenBound => "以下／以上（开放一侧）",
            Self::GrowthPath => "数值之间按不变增长率连接（推算）",
            Self::MilestoneMarker => "里程碑",
            Self::DerivedBound => "以下／以上（推算）",
            Self::PastHorizonShade => "超出报告展望期（†）",
            Self::Datasets => "数据集",
            Self::SeriesMatching => "匹配的序列",
            Self::SeriesCompared => "序列对比",
            Self::Transform => "变换",
            Self::TransformYoy => "较上一年的增长（由服务推算）",
            Self::TransformIndex => "指数，区间首年 = 100（由服务推算）",
            Self::TransformShare => "占上级序列的比例（由服务推算）",
            Self::SeriesCount => "序列数",
            Self::Horizon => "展望期末年",
            Self::EditionHeader => "版次",
            Self::DataVersionHeader => "数据版本",
            Self::ShareDerivedNote => "* 占总额的比例，由服务计算：分项 ÷ 总额",
            Self::ScopeOf => "的口径",
            Self::Edition => "年版",
            Self::DataVersion => "数据版本",
            Self::Schemes => "概念体系",
            Self::ConceptCount => "概念数",
            Self::ConceptsOf => "概念：",
            Self::AllConcepts => "全部概念",
            Self::CapabilityLadder => "能力阶梯（L1–L5）",
            Self::CurrentLevel => "当前等级",
            Self::CurrentAtTheBorder => "当前等级：模型已达到其交界处",
            Self::NoCurrentLevel => "概念体系未指明当前等级。",
            Self::NothingFound => "未找到任何内容。",
            Self::NothingInRange => "所选年份范围内没有数据。",
            Self::LangZh => "中文",
            Self::LangEn => "英文",
            Self::Also => "又称",
            Self::WatchSnapshot => "快照",
            Self::WatchChange => "变更",
            Self::WatchHeartbeat => "心跳",
            Self::WatchInterrupted => "中断",
            Self::NoChange => "无变更",
            Self::LatestEdition => "最新年版",
            Self::ContentVersion => "内容版本",
            Self::Added => "新增",
            Self::Changed => "变更",
            Self::Removed => "移除",
            Self::AndMoreBefore => "，另有 ",
            Self::AndMoreAfter => " 项",
            Self::ResumingBefore => "从 ",
            Self::ResumingAfter => " 之后继续",
            Self::WatchingAgain => "重新开始监视",
        }
    }
}
