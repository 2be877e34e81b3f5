//! A key's detail, opened by selecting its name: uses over the last 30 UTC
//! days as a bar chart (drawn here as SVG: no chart library), with the same
//! figures as a table for screen readers and anyone who wants the numbers;
//! refused attempts by reason; and the recent addresses the key was used
//! from, with first and last seen and a count — what an owner looks at
//! before revoking a key.
//!
//! The body is written as markup (see `markup`): drawn as Leptos views it
//! added 37 KB of gzip; as markup, 15 KB.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use leptos::prelude::*;
use llavero_types::{ApiKey, KeyUsage};

use crate::api;
use crate::browser;
use crate::components::markup::{el, loading, none, row, span, table, Html};
use crate::components::modal::Modal;
use crate::i18n::{use_i18n, I18n, Text};

/// Days the chart shows.
const DAYS: i64 = 30;

/// One chart day: date, uses, refusals.
type Day = (NaiveDate, u64, u64);

/// The last [`DAYS`] UTC days up to `today`, oldest first (zero when absent).
fn last_days(usage: &KeyUsage, today: NaiveDate) -> Vec<Day> {
    (0..DAYS)
        .rev()
        .map(|back| {
            let date = today - Duration::days(back);
            let day = usage.days.iter().find(|d| d.date == date);
            (
                date,
                day.map_or(0, |d| d.uses),
                day.map_or(0, |d| d.refused.values().sum()),
            )
        })
        .collect()
}

/// `YYYY-MM-DD`, written out (chrono's formatter would add kilobytes).
fn ymd(date: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), date.month(), date.day())
}

/// The words for a refusal code.
fn reason(code: &str) -> Text {
    match code {
        "REVOKED" => Text::ReasonRevoked,
        "EXPIRED" => Text::Expired,
        "USER_DISABLED" => Text::ReasonUserDisabled,
        "IP_NOT_ALLOWED" => Text::ReasonIp,
        _ => Text::ReasonScope,
    }
}

/// The bars as SVG markup: uses in the brand colour, refusals stacked above
/// in red, each day with its figures as a tooltip. Whole numbers only:
/// formatting floats would add kilobytes to the app.
fn bars(days: &[Day], uses_word: &str, refused_word: &str) -> Html {
    const H: u64 = 100;
    let top = days.iter().map(|d| d.1 + d.2).max().unwrap_or(0).max(1);
    days.iter()
        .enumerate()
        .map(|(i, (date, uses, refused))| {
            let x = (i * 20 + 2).to_string();
            let used = uses * H / top;
            let over = refused * H / top;
            // Closed, not void: in SVG an unclosed `<rect>` holds the next.
            let bar = |class, y: u64, height: u64| {
                el(
                    "rect",
                    &[
                        ("class", class),
                        ("x", &x),
                        ("y", &y.to_string()),
                        ("width", "16"),
                        ("height", &height.to_string()),
                    ],
                    Html::default(),
                )
            };
            let title = format!(
                "{}: {uses} {uses_word}, {refused} {refused_word}",
                ymd(*date)
            );
            el(
                "g",
                &[],
                Html::concat(&[
                    el("title", &[], Html::text(&title)),
                    bar("bar-bg", 0, H),
                    bar("bar", H - used, used),
                    bar("bar refused", H - used - over, over),
                ]),
            )
        })
        .collect()
}

/// The dialog's body once the usage has arrived, as markup in `lang`.
fn detail(usage: &KeyUsage, today: NaiveDate, i18n: I18n) -> Html {
    let t = |text| i18n.t(text);
    let days = last_days(usage, today);
    let total: u64 = days.iter().map(|d| d.1).sum();
    let today_uses = days.last().map_or(0, |d| d.1);
    let summary = t(Text::Uses30).replace("{n}", &total.to_string());
    let mut reasons = std::collections::BTreeMap::<&str, u64>::new();
    for day in usage
        .days
        .iter()
        .filter(|d| d.date > today - Duration::days(DAYS))
    {
        for (code, n) in &day.refused {
            *reasons.entry(code).or_default() += n;
        }
    }
    let active: Vec<&Day> = days.iter().rev().filter(|d| d.1 + d.2 > 0).collect();
    let by_day = if active.is_empty() {
        none(t(Text::NoUse30))
    } else {
        table(
            "compact",
            "",
            &[t(Text::DateUtc), t(Text::UsesCol), t(Text::RefusedCol)],
            active
                .into_iter()
                .map(|(date, uses, refused)| {
                    row(vec![
                        Html::text(&ymd(*date)),
                        Html::text(&uses.to_string()),
                        Html::text(&refused.to_string()),
                    ])
                })
                .collect(),
        )
    };
    let refusals = if reasons.is_empty() {
        none(t(Text::NoRefusals))
    } else {
        let items: Html = reasons
            .iter()
            .map(|(code, n)| {
                let mut item = Html::text(t(reason(code)));
                item.push_text(": ");
                item.push(&el("strong", &[], Html::text(&n.to_string())));
                el("li", &[], item)
            })
            .collect();
        el("ul", &[("class", "reasons")], items)
    };
    let lang = i18n.0.get().tag();
    let recent = if usage.addresses.is_empty() {
        none(t(Text::NoAddresses))
    } else {
        let when =
            |at: &DateTime<Utc>| Html::text(&browser::local_datetime(&at.to_rfc3339(), lang));
        table(
            "compact addresses",
            "",
            &[
                "IP",
                t(Text::UsesCol),
                t(Text::FirstSeen),
                t(Text::LastSeen),
            ],
            usage
                .addresses
                .iter()
                .map(|a| {
                    row(vec![
                        span("mono", Html::text(&a.ip)),
                        Html::text(&a.uses.to_string()),
                        when(&a.first_seen),
                        when(&a.last_seen),
                    ])
                })
                .collect(),
        )
    };
    let swatch = |class| el("i", &[("class", class)], Html::default());
    let mut legend = swatch("swatch");
    legend.push_text(t(Text::UsesCol));
    legend.push(&swatch("swatch refused"));
    legend.push_text(t(Text::RefusedCol));
    let mut line = el(
        "strong",
        &[("data-testid", "uses-today")],
        Html::text(&t(Text::UsesToday).replace("{n}", &today_uses.to_string())),
    );
    line.push_text(" · ");
    line.push_text(&summary);
    let chart = el(
        "svg",
        &[
            ("viewBox", "0 0 600 100"),
            ("preserveAspectRatio", "none"),
            ("role", "img"),
            ("aria-label", &summary),
        ],
        bars(&days, t(Text::Uses), t(Text::Refused)),
    );
    let caption = Html::concat(&[
        el(
            "span",
            &[("class", "legend"), ("aria-hidden", "true")],
            legend,
        ),
        el(
            "details",
            &[],
            Html::concat(&[el("summary", &[], Html::text(t(Text::ShowData))), by_day]),
        ),
    ]);
    Html::concat(&[
        el("p", &[("class", "usage-summary")], line),
        el(
            "figure",
            &[("class", "chart")],
            Html::concat(&[chart, el("figcaption", &[], caption)]),
        ),
        el("h3", &[], Html::text(t(Text::RefusedByReason))),
        refusals,
        el("h3", &[], Html::text(t(Text::RecentAddresses))),
        recent,
    ])
}

/// Where the dialog's request stands.
#[derive(Debug, Clone)]
enum Load {
    Waiting,
    Failed,
    Ready(KeyUsage),
}

#[component]
pub fn UsageDialog(key: ApiKey, #[prop(into)] on_close: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let id = key.id;
    let load = RwSignal::new(Load::Waiting);
    leptos::task::spawn_local(async move {
        load.set(match api::key_usage(id).await {
            Ok(usage) => Load::Ready(usage),
            Err(_) => Load::Failed,
        });
    });
    let today = DateTime::from_timestamp_millis(browser::now_millis() as i64)
        .unwrap_or_default()
        .date_naive();
    // One piece of markup, redrawn when the answer arrives or the language
    // changes.
    let body = move || {
        load.with(|state| match state {
            Load::Waiting => loading(i18n.t(Text::Loading)),
            Load::Failed => el(
                "p",
                &[("class", "field-error"), ("role", "alert")],
                Html::text(i18n.t(Text::LoadFailed)),
            ),
            Load::Ready(usage) => detail(usage, today, i18n),
        })
    };
    view! {
        <Modal id="usage" title=Signal::derive(move || i18n.t(Text::UsageTitle)) on_cancel=on_close>
            <p class="usage-key"><span class="key-name">{key.name.clone()}</span>" "<span class="hint">{key.hint.clone()}</span></p>
            <div inner_html=body></div>
            <div class="dialog-actions">
                <button type="button" class="primary" on:click=move |_| on_close.run(())>{i18n.s(Text::Close)}</button>
            </div>
        </Modal>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use llavero_types::UsageDay;

    #[test]
    fn the_chart_has_thirty_days_ending_today_with_gaps_as_zero() {
        let today: NaiveDate = "2026-11-27".parse().unwrap();
        let usage = KeyUsage {
            days: vec![
                UsageDay {
                    date: today,
                    uses: 5,
                    refused: [("REVOKED".to_owned(), 2)].into(),
                },
                UsageDay {
                    date: "2026-10-29".parse().unwrap(),
                    uses: 1,
                    refused: Default::default(),
                },
                UsageDay {
                    date: "2026-10-28".parse().unwrap(),
                    uses: 9,
                    refused: Default::default(),
                },
            ],
            addresses: Vec::new(),
        };
        let days = last_days(&usage, today);
        assert_eq!(days.len(), 30);
        assert_eq!(days[29], (today, 5, 2));
        assert_eq!(
            days[0],
            ("2026-10-29".parse().unwrap(), 1, 0),
            "the 30th day back is in, the 31st is not"
        );
        assert_eq!(days.iter().map(|d| d.1).sum::<u64>(), 6);
    }
}
