//! The history views: a topic's version history ([`HistoryCtx`], shown by
//! `partials/history.html`), the site-wide `/changes/` page
//! ([`ChangesCtx`]), and the feed entries of the versions (one per version
//! in the site feed, one per version that changed a topic in the topic's
//! own feed). The differences come from [`crate::history::Timeline`]; their
//! words from [`crate::present`].

use crate::diag::Diagnostics;
use crate::history::{AnalysisDiff, Diff, Released, TopicDiff};
use crate::model::PageKind;
use crate::present;

use super::context::{
    AnalysisChangeCtx, ChangeSetCtx, ChangedCtx, ChangesCtx, HistoryCtx, UnreleasedCtx, VersionCtx,
};
use super::engine::{render_list_file, SiteFile};
use super::feed::Entry;
use super::page::{ctx_for, simple_page};
use super::site::Env;

/// Where the `/changes/` page is, under the base path.
pub(super) const CHANGES: &str = "changes/";

/// The fragment id of version `n` on `/changes/`.
fn anchor(n: u32) -> String {
    format!("version-{n}")
}

/// The history of topic page `i`.
pub(super) fn history_ctx(env: &Env, i: usize) -> HistoryCtx {
    let p = &env.input.site.pages[i];
    let tl = env.input.timeline;
    let versions = tl
        .versions
        .iter()
        .rev()
        .filter_map(|v| Some(version_ctx(env, v, v.diff.topic(&p.id)?)))
        .collect();
    let unreleased = tl.unreleased.as_ref().map(|(since, d)| {
        let t = d.topic(&p.id);
        UnreleasedCtx {
            since: *since,
            heading: present::unreleased_heading(*since),
            text: t.map_or_else(|| present::NO_CHANGE.to_string(), present::topic_diff_text),
            changed: t.is_some(),
        }
    });
    HistoryCtx {
        versions,
        unreleased,
        feed: env.url(&format!("{}feed.xml", p.url_path)),
        changes: env.url(CHANGES),
    }
}

/// Version `v` as topic `t`'s page shows it.
fn version_ctx(env: &Env, v: &Released, t: &TopicDiff) -> VersionCtx {
    VersionCtx {
        number: v.number,
        heading: present::version_heading(v.number, v.date),
        date: v.date.to_string(),
        date_iso: v.date.iso(),
        note: v.note.clone(),
        text: present::topic_diff_text(t),
        url: format!("{}#{}", env.url(CHANGES), anchor(v.number)),
        analyses: t.analyses.iter().map(analysis_change).collect(),
    }
}

/// One analysis that moved, with its numbers.
fn analysis_change(a: &AnalysisDiff) -> AnalysisChangeCtx {
    let three = |p: &crate::history::Pooled| [p.estimate, p.ci_low, p.ci_high];
    AnalysisChangeCtx {
        id: a.id.clone(),
        title: a.title.clone(),
        k_before: a.k_before,
        k_after: a.k_after,
        before: a.before.as_ref().map(three),
        after: a.after.as_ref().map(three),
        i2: a.i2,
        conclusion_unchanged: a.k_before.is_some() && a.conclusion_unchanged(),
        text: present::analysis_diff_text(a),
    }
}

/// The topic page whose id is `id`.
fn topic_page(env: &Env, id: &str) -> Option<usize> {
    let site = env.input.site;
    (0..site.pages.len())
        .find(|&i| matches!(site.pages[i].kind, PageKind::Topic(_)) && site.pages[i].id == id)
}

/// The topics and trials that moved in `d`, linked.
fn moved(env: &Env, d: &Diff) -> (Vec<ChangedCtx>, Vec<ChangedCtx>) {
    let topics = d
        .topics
        .iter()
        .map(|t| ChangedCtx {
            title: t.title.clone(),
            url: topic_page(env, &t.id).map(|i| env.page_link(i).url),
            text: present::topic_diff_text(t),
        })
        .collect();
    let trials = d
        .trials
        .iter()
        .map(|t| ChangedCtx {
            title: t.trial.label.clone(),
            url: env
                .input
                .links
                .trial_by_id
                .get(&t.trial.id)
                .map(|&i| env.page_link(i).url),
            text: present::trial_change_text(&t.change),
        })
        .collect();
    (topics, trials)
}

/// The `/changes/` page, when the site has a version or unreleased
/// changes to show.
pub(super) fn changes_file(env: &Env, diags: &mut Diagnostics) -> Option<SiteFile> {
    let tl = env.input.timeline;
    if tl.versions.is_empty() {
        return None;
    }
    let versions = tl
        .versions
        .iter()
        .rev()
        .map(|v| {
            let (topics, trials) = moved(env, &v.diff);
            ChangeSetCtx {
                number: v.number,
                heading: present::version_heading(v.number, v.date),
                anchor: anchor(v.number),
                date_iso: Some(v.date.iso()),
                date: Some(v.date.to_string()),
                note: v.note.clone(),
                topics,
                trials,
            }
        })
        .collect();
    let unreleased = tl.unreleased.as_ref().map(|(since, d)| {
        let (topics, trials) = moved(env, d);
        ChangeSetCtx {
            number: *since,
            heading: present::unreleased_heading(*since),
            anchor: "unreleased".into(),
            date_iso: None,
            date: None,
            note: String::new(),
            topics,
            trials,
        }
    });
    let page = simple_page(
        env,
        "changes",
        "What changed".into(),
        CHANGES,
        "Every released version of the evidence on this site, newest first, with what it changed."
            .into(),
    );
    let mut ctx = ctx_for(env, page);
    ctx.changes = Some(ChangesCtx {
        unreleased,
        versions,
        feed: env.url("feed.xml"),
    });
    let path = format!("{CHANGES}index.html");
    render_list_file(env, "changes.html", &ctx, CHANGES, path, diags)
}

/// One feed entry per released version, for the site feed: what it
/// changed in every topic, then the trials no topic names.
pub(super) fn version_entries(env: &Env) -> Vec<Entry> {
    env.input
        .timeline
        .versions
        .iter()
        .map(|v| {
            let mut text: Vec<String> = v
                .diff
                .topics
                .iter()
                .map(|t| format!("{}: {}", t.title, present::topic_diff_text(t)))
                .collect();
            let in_topics = |id: &str| {
                v.diff
                    .topics
                    .iter()
                    .any(|t| t.trials.iter().any(|d| d.trial.id == id))
            };
            text.extend(
                v.diff
                    .trials
                    .iter()
                    .filter(|d| !in_topics(&d.trial.id))
                    .map(present::trial_diff_text),
            );
            if text.is_empty() {
                text.push(present::NO_CHANGE.into());
            }
            let link = format!("{}#{}", env.permalink(CHANGES), anchor(v.number));
            entry(v, &v.note, link, text.join(" "))
        })
        .collect()
}

/// One feed entry per released version that changed topic page `i`.
pub(super) fn topic_entries(env: &Env, i: usize) -> Vec<Entry> {
    let p = &env.input.site.pages[i];
    env.input
        .timeline
        .versions
        .iter()
        .filter_map(|v| {
            let t = v.diff.topic(&p.id)?;
            let link = format!("{}#{}", env.permalink(&p.url_path), anchor(v.number));
            Some(entry(v, &p.title, link, present::topic_diff_text(t)))
        })
        .collect()
}

/// The feed entry of version `v`, titled `Version 2: {what}`, linked to
/// `link` (the version on `/changes/`, or on the topic's page); its id is
/// that link, so it never changes.
fn entry(v: &Released, what: &str, link: String, summary: String) -> Entry {
    Entry {
        title: format!("Version {}: {what}", v.number),
        id: link.clone(),
        link,
        updated: v.date.rfc3339(),
        summary,
        categories: Vec::new(),
    }
}
