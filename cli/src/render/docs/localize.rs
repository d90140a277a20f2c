//! The texts of a report's data that the command words itself, in the report's language before
//! it is printed in any format (JSON and CSV too): a derived value's `method`, a growth's
//! `method`, a segment's `growth_note`, and a stated value's `note` in the source's language
//! when the data gives it (`note_zh_hans`, kept too: the JSON has the same keys in every
//! language). In English they stay as the services send them.

use crate::render::{
    docs::method::{growth_method, method_text},
    words::{Msg, Words},
};
use llmarket_client::reports::{
    Language,
    model::{Growth, Point},
    segment::SegmentSeries,
};

/// `point`'s texts in `language`.
pub(super) fn point(language: Language, point: &mut Point) {
    if language != Language::Zh {
        return;
    }
    if point.is_derived() {
        point.method = Some(method_text(Words(language), point));
    }
    if let Some(note) = point.note_zh_hans.clone() {
        point.note = Some(note);
    }
}

/// Each of `points`' texts in `language`.
pub(super) fn points<'a>(language: Language, points: impl IntoIterator<Item = &'a mut Point>) {
    for p in points {
        point(language, p);
    }
}

/// `growth`'s texts (its method, its ends) in `language`.
pub(super) fn growth(language: Language, growth: &mut Growth) {
    if language != Language::Zh {
        return;
    }
    growth.method = growth_method(Words(language), growth);
    point(language, &mut growth.start);
    point(language, &mut growth.end);
}

/// A segment series' texts in `language`.
pub(super) fn segment_series(language: Language, s: &mut SegmentSeries) {
    points(language, &mut s.values.points);
    points(language, &mut s.share_of_parent);
    if let Some(g) = &mut s.growth {
        growth(language, g);
    }
    if language == Language::Zh && s.growth_note.is_some() {
        let w = Words(language);
        s.growth_note = Some(format!(
            "{} {} {}",
            w.t(Msg::StatesBefore),
            s.stated_in_span,
            w.t(if s.stated_in_span == 1 {
                Msg::NoGrowthAfterOne
            } else {
                Msg::NoGrowthAfter
            })
        ));
    }
}
