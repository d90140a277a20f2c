//! The fixed words of the rendered reports (headings, labels, notes) in the report's language.
//! Labels and definitions of concepts come from the taxonomy already in that language.

use crate::reports::Language;

/// Translates the fixed English words of the reports into the report's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Words(pub(crate) Language);

impl Words {
    /// `en` in this language (English as is; a word without a translation stays English).
    pub(crate) fn t(self, en: &'static str) -> &'static str {
        match self.0 {
            Language::En => en,
            Language::Zh => zh(en).unwrap_or(en),
        }
    }
}

fn zh(en: &str) -> Option<&'static str> {
    Some(match en {
        "Dataset" => "数据集",
        "Publisher" => "发布方",
        "Year" => "年份",
        "Notice" => "声明",
        "Kind" => "类型",
        "Basis" => "依据",
        "actual" => "实际",
        "forecast" => "预测",
        "stated" => "报告所述",
        "derived" => "推算",
        "base" => "基数",
        "* derived by the forecast service, not stated in the report:" => {
            "* 由预测服务推算，报告未直接给出："
        }
        "Growth" => "增长",
        "CAGR" => "年复合增长率",
        "a year" => "每年",
        "CAGR, computed" => "年复合增长率（计算）",
        "CAGR, stated" => "年复合增长率（报告）",
        "within the rounding of the inputs" => "输入数值的舍入范围内",
        "Multiple" => "倍数",
        "years" => "年",
        "Check" => "核对",
        "the stated CAGR agrees with the computed one within rounding" => {
            "报告所述年复合增长率与计算值在舍入范围内一致"
        }
        "the stated CAGR does NOT agree with the computed one within rounding" => {
            "报告所述年复合增长率与计算值在舍入范围内不一致"
        }
        "the report states none for this span" => "报告未给出此区间的数值",
        "Method" => "方法",
        "Warnings" => "警告",
        "Breakdown" => "构成",
        "Component" => "组成部分",
        "Share" => "占比",
        "Total" => "合计",
        "The components add up to the total within rounding" => {
            "各组成部分之和在舍入范围内等于合计"
        }
        "The components do NOT add up to the total within rounding" => {
            "各组成部分之和在舍入范围内不等于合计"
        }
        "sum" => "之和",
        "residual" => "差额",
        "Current capability level" => "当前能力等级",
        "Level" => "等级",
        "Position" => "位置",
        "Definition" => "定义",
        "Drivers" => "驱动因素",
        "Trends" => "发展趋势",
        "Barriers" => "竞争壁垒",
        "Not available (see the warnings)." => "暂缺（见警告）。",
        "Concept" => "概念",
        "Scheme" => "概念体系",
        "Hierarchy" => "层级",
        "Narrower" => "下位概念",
        "Related" => "相关概念",
        "Source" => "来源",
        "Series" => "序列",
        "Parent" => "上级序列",
        "Stated rate" => "报告所述变化率",
        "Share of" => "占比：",
        "Share of parent" => "占上级序列比例",
        "The concept links to no forecast series." => "该概念未关联预测序列。",
        "Timeline" => "时间线",
        "Milestones beside the" => "里程碑与",
        "Market size" => "市场规模",
        "Milestones" => "里程碑",
        "outlook" => "展望",
        "none stated" => "报告未给出",
        "fall each year" => "每年下降倍数",
        "Stated values" => "报告所述数值",
        "Projection at" => "按每年",
        "from" => "自",
        "Applications the cost decline unlocks" => "成本下降解锁的应用",
        "unlocked by" => "解锁因素",
        "USD billion" => "十亿美元",
        "USD per million tokens" => "美元/百万 token",
        "fraction" => "比例",
        "index" => "指数",
        "log scale" => "对数刻度",
        "Series of" => "序列：",
        "Title" => "标题",
        "Unit" => "单位",
        "Years" => "年份范围",
        "Components" => "组成序列",
        "Broader" => "上位概念",
        "Attribute" => "属性",
        "Concepts matching" => "匹配的概念：",
        "Label" => "名称",
        "Score" => "相关度",
        "Matched" => "匹配文本",
        "hit(s)" => "条结果",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_follow_the_language() {
        assert_eq!(Words(Language::En).t("Drivers"), "Drivers");
        assert_eq!(Words(Language::Zh).t("Drivers"), "驱动因素");
        assert_eq!(Words(Language::Zh).t("no such word"), "no such word");
    }
}
