//! Social images: the 1200×630 PNG that a link preview shows for a trial,
//! appraisal or topic page (`<page>/social.png`) and for the home page
//! (`social.png`), unless the site sets `social_images: false`.
//!
//! A [`SocialCard`] holds what the image says, taken as it stands from the
//! page's result card ([`super::card`], worded by [`crate::present`]):
//! nothing is recomputed or reworded here. [`card_svg`] lays it out as an
//! SVG (text wrapped and ellipsised to fit, measured with the bundled
//! font's own advance widths) and [`png()`] rasterises it with `resvg`.
//!
//! The output cannot depend on the machine: the only fonts are DejaVu Sans
//! and DejaVu Sans Bold, compiled into the binary (`fonts/`, with their
//! licence) and loaded into an otherwise empty font database; no system
//! font is read, and the same card gives the same bytes.

use std::sync::{Arc, OnceLock};

use resvg::{tiny_skia, usvg};
use skrifa::prelude::{FontRef, LocationRef, MetadataProvider, Size};

use crate::diag::{Diagnostic, Diagnostics};
use crate::key::KeyHasher;
use crate::write::OutputFile;

use super::card::{AnalysisCardCtx, ResultCardCtx};
use super::context::Ctx;
use super::meta::ShareImageCtx;
use super::site::Env;

/// Image width in pixels (the size OpenGraph and Twitter's large card expect).
pub const WIDTH: u32 = 1200;
/// Image height in pixels.
pub const HEIGHT: u32 = 630;
/// The image's file name beside its page's `index.html`.
pub const FILE: &str = "social.png";

/// DejaVu Sans (Bitstream Vera licence, `fonts/LICENSE.txt`).
static REGULAR: &[u8] = include_bytes!("../../fonts/DejaVuSans.ttf");
/// DejaVu Sans Bold.
static BOLD: &[u8] = include_bytes!("../../fonts/DejaVuSans-Bold.ttf");
/// The family name both files declare.
const FAMILY: &str = "DejaVu Sans";

/// Left and right margin.
const MARGIN: f32 = 64.0;
/// The lowest baseline text may use: the footer rule sits below it.
const TEXT_BOTTOM: f32 = 530.0;
/// Text colour.
const FG: &str = "#1d2428";
/// Secondary text colour.
const MUTED: &str = "#5b6770";

/// How a verdict reads: good news for the paper, a problem, or neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// The paper's numbers add up (or agree with each other).
    Good,
    /// They do not.
    Bad,
    /// Nothing to judge, or a plain statement.
    Neutral,
}

/// What one social image says, already worded.
#[derive(Debug, Clone, PartialEq)]
pub struct SocialCard {
    /// The small line above the title (`Trial · Primary outcome`).
    pub kicker: String,
    /// The page title.
    pub title: String,
    /// What the result is about (`Death at 28 days`).
    pub subject: Option<String>,
    /// The result in numbers (`RR 1.12 (0.87 to 1.43)`).
    pub headline: Option<String>,
    /// Supporting lines (arm results, the absolute difference).
    pub details: Vec<String>,
    /// The verdict and how it reads.
    pub verdict: Option<(String, Tone)>,
    /// The footer: the site title.
    pub site: String,
}

impl SocialCard {
    /// The image's alternative text (`og:image:alt`): everything it shows,
    /// in reading order.
    pub fn alt(&self) -> String {
        let mut parts: Vec<String> = vec![self.title.clone()];
        parts.extend(self.subject.clone());
        parts.extend(self.headline.clone());
        parts.extend(self.details.iter().map(|d| d.replace('\n', " vs ")));
        parts.extend(self.verdict.as_ref().map(|v| v.0.clone()));
        parts.push(self.site.clone());
        parts
            .iter()
            .map(|p| p.trim_end_matches('.'))
            .collect::<Vec<_>>()
            .join(". ")
            + "."
    }
}

/// The card of a trial page (or of an appraisal, from the card of the
/// trial it discusses): `kind` names the page (`Trial`, `Appraisal`).
pub fn result_card(kind: &str, title: &str, card: &ResultCardCtx, site: &str) -> SocialCard {
    let kicker = if card.role_label.is_empty() {
        kind.to_string()
    } else {
        format!("{kind} · {}", card.role_label)
    };
    let subject = card.outcome.as_ref().map(|o| match &card.timepoint {
        Some(t) if !t.is_empty() => format!("{o}, {t}"),
        _ => o.clone(),
    });
    // The arms on one line when they fit, else one line each.
    let arms: Vec<String> = card
        .arms
        .iter()
        .map(|a| format!("{} {}", a.label, a.text))
        .collect();
    let joined = arms.join(" vs ");
    let arms = if arms.len() > 1 && text_width(&joined, 30.0, false) > room(LINE) {
        arms.join("\n")
    } else {
        joined
    };
    let mut details: Vec<String> = vec![arms];
    details.retain(|d| !d.is_empty());
    details.extend(
        card.difference
            .as_ref()
            .map(|d| format!("Absolute difference: {}", d.text)),
    );
    let verdict = card.check.as_ref().map(|c| {
        let tone = match c.verdict {
            Some(v) if v.is_mismatch() => Tone::Bad,
            Some(crate::stats::check::Verdict::Inconsistent) => Tone::Bad,
            Some(crate::stats::check::Verdict::Reproduced)
            | Some(crate::stats::check::Verdict::Consistent) => Tone::Good,
            _ => Tone::Neutral,
        };
        (c.badge.clone(), tone)
    });
    SocialCard {
        kicker,
        title: title.to_string(),
        subject,
        headline: card.effect.as_ref().map(|e| e.text.clone()),
        details,
        // A card without a result says why where the verdict would be.
        verdict: verdict.or(card.empty.clone().map(|e| (e, Tone::Neutral))),
        site: site.to_string(),
    }
}

/// The card of a topic page: its first pooled analysis.
pub fn topic_card(title: &str, c: &AnalysisCardCtx, site: &str) -> SocialCard {
    let mut details = vec![format!("{}; {}", c.size, c.model)];
    details.extend(c.prediction.clone());
    SocialCard {
        kicker: "Topic · pooled analysis".into(),
        title: title.to_string(),
        subject: Some(c.title.clone()),
        headline: c.estimate_text.clone(),
        details,
        verdict: Some((c.reading.clone(), Tone::Neutral)),
        site: site.to_string(),
    }
}

/// The card of the home page: the site's title and description; the
/// footer is the site's address (`host/path`, or the base path).
pub fn home_card(title: &str, description: &str, address: &str) -> SocialCard {
    SocialCard {
        kicker: String::new(),
        title: title.to_string(),
        subject: (!description.is_empty()).then(|| description.to_string()),
        headline: None,
        details: Vec::new(),
        verdict: None,
        site: address.to_string(),
    }
}

/// The card of a content page from its template context: a trial's
/// result card, the first trial card of an appraisal, a topic's first
/// pooled analysis; none for other pages and for an appraisal or topic
/// without one.
pub(super) fn page_card(env: &Env, ctx: &Ctx) -> Option<SocialCard> {
    let (title, site) = (&ctx.page.title, &env.site.title);
    if let Some(t) = &ctx.trial {
        return Some(result_card("Trial", title, &t.card, site));
    }
    if let Some(a) = &ctx.appraisal {
        return a
            .trials
            .first()
            .map(|t| result_card("Appraisal", title, &t.card, site));
    }
    let topic = ctx.topic.as_ref()?.card.as_ref()?;
    Some(topic_card(title, topic, site))
}

/// The image of `card` for the page at `dir` (`trials/leopards/`, `""`
/// for the home page) and how the page's head names it; none when the
/// site turned images off. A failure to draw is an error against `source`.
pub(super) fn page_image(
    env: &Env,
    dir: &str,
    card: &SocialCard,
    source: &str,
    diags: &mut Diagnostics,
) -> Option<(OutputFile, ShareImageCtx)> {
    image_with(env, dir, card, source, diags, png)
}

/// The home page's image ([`page_image`] at the site's root), taken from
/// the incremental engine's memo of the last build when its SVG (the
/// card's text and the theme's colours) is the same: `serve` does not draw
/// it again at every rebuild. A content page's image is kept with its page
/// instead.
pub(super) fn home_image(
    env: &Env,
    card: &SocialCard,
    source: &str,
    diags: &mut Diagnostics,
) -> Option<(OutputFile, ShareImageCtx)> {
    let Some(memo) = env.lists else {
        return page_image(env, "", card, source, diags);
    };
    let kept = |svg: &str| {
        let key = KeyHasher::default()
            .bytes(b"social image")
            .bytes(svg.as_bytes())
            .finish();
        if let Some(b) = memo.reuse(key) {
            return Ok(b.to_vec());
        }
        let b = png(svg)?;
        memo.keep(key, std::sync::Arc::from(&b[..]));
        Ok(b)
    };
    image_with(env, "", card, source, diags, kept)
}

/// [`page_image`] with `draw` turning the card's SVG into PNG bytes.
fn image_with(
    env: &Env,
    dir: &str,
    card: &SocialCard,
    source: &str,
    diags: &mut Diagnostics,
    draw: impl FnOnce(&str) -> Result<Vec<u8>, String>,
) -> Option<(OutputFile, ShareImageCtx)> {
    if !env.site.social_images {
        return None;
    }
    let svg = card_svg(card, &env.colours.0, &env.colours.1);
    match draw(&svg) {
        Ok(bytes) => {
            let path = format!("{dir}{FILE}");
            let image = ShareImageCtx {
                url: env.permalink(&path),
                width: WIDTH,
                height: HEIGHT,
                alt: card.alt(),
            };
            Some((OutputFile { path, bytes }, image))
        }
        Err(e) => {
            diags.push(Diagnostic::error(
                source,
                0,
                0,
                format!("the social image could not be drawn: {e}"),
            ));
            None
        }
    }
}

/// One style of text on the card.
#[derive(Debug, Clone, Copy)]
struct Style<'a> {
    size: f32,
    bold: bool,
    colour: &'a str,
    /// Lines at most (the last ellipsised).
    max_lines: usize,
}

/// A block of text: its style, and whether it may be left out when the
/// card has no room for it (supporting details).
#[derive(Debug, Clone, Copy)]
struct Block<'a> {
    text: &'a str,
    style: Style<'a>,
    optional: bool,
}

/// The card laid out as an SVG document of [`WIDTH`]×[`HEIGHT`]:
/// `accent` colours the top bar and the headline, `background` the page.
/// Text that does not fit is wrapped, then the title made smaller, then
/// details left out from the last, and only then cut with `…`.
pub fn card_svg(card: &SocialCard, accent: &str, background: &str) -> String {
    let mut blocks = card_blocks(card, accent);
    let body = loop {
        if let Some(body) = layout(&blocks, false) {
            break body;
        }
        match blocks.iter().rposition(|b| b.optional) {
            Some(i) => {
                blocks.remove(i);
            }
            None => break layout(&blocks, true).unwrap_or_default(),
        }
    };
    let footer_style = Style {
        size: 26.0,
        bold: true,
        colour: MUTED,
        max_lines: 1,
    };
    let footer = text_element(
        &fit(&card.site, 26.0, true, WIDTH as f32 - 2.0 * MARGIN),
        HEIGHT as f32 - 44.0,
        footer_style,
    );
    format!(
        concat!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}">"#,
            r#"<rect width="{w}" height="{h}" fill="{bg}"/>"#,
            r#"<rect width="{w}" height="14" fill="{accent}"/>"#,
            r##"<rect x="{m}" y="{rule}" width="{rw}" height="2" fill="#d9dedf"/>"##,
            "{body}{footer}</svg>"
        ),
        w = WIDTH,
        h = HEIGHT,
        bg = escape(background),
        accent = escape(accent),
        m = MARGIN,
        rule = TEXT_BOTTOM + 18.0,
        rw = WIDTH as f32 - 2.0 * MARGIN,
        body = body,
        footer = footer,
    )
}

/// The card's blocks of text, top to bottom (empty ones left out).
fn card_blocks<'a>(card: &'a SocialCard, accent: &'a str) -> Vec<Block<'a>> {
    // The home page's card has no kicker, and a larger title.
    let home = card.kicker.is_empty();
    let st = |size, bold, colour, max_lines| Style {
        size,
        bold,
        colour,
        max_lines,
    };
    let block = |text, style, optional| Block {
        text,
        style,
        optional,
    };
    // The title and the headline at the largest size that shows them whole.
    let (title_sizes, title_lines) = if home {
        ([72.0, 64.0, 56.0], 3)
    } else {
        ([54.0, 48.0, 42.0], 2)
    };
    let title_size = largest_whole(&card.title, title_sizes, title_lines);
    let headline = card.headline.as_deref().unwrap_or("");
    let headline_size = largest_whole(headline, [50.0, 44.0, 38.0], 1);
    let mut blocks = vec![
        block(&card.kicker[..], st(28.0, false, MUTED, 1), false),
        block(
            &card.title[..],
            st(title_size, true, FG, title_lines),
            false,
        ),
        block(
            card.subject.as_deref().unwrap_or(""),
            st(32.0, false, FG, if home { 3 } else { 1 }),
            false,
        ),
        block(headline, st(headline_size, true, accent, 2), false),
    ];
    for d in &card.details {
        // One line for each line of the detail, two when it wraps.
        let lines = d.lines().count().max(2);
        blocks.push(block(d, st(30.0, false, FG, lines), true));
    }
    if let Some((v, tone)) = &card.verdict {
        let colour = match tone {
            Tone::Good => "#1f7a3a",
            Tone::Bad => "#a4262c",
            Tone::Neutral => MUTED,
        };
        blocks.push(block(v, st(28.0, true, colour, 3), false));
    }
    blocks.retain(|b| !b.text.trim().is_empty());
    blocks
}

/// The first of `sizes` (largest first) at which bold `text` fits in
/// `lines` lines without a cut, else the smallest.
fn largest_whole(text: &str, sizes: [f32; 3], lines: usize) -> f32 {
    sizes
        .into_iter()
        .find(|&z| shows_whole(text, z, true, lines))
        .unwrap_or(sizes[2])
}

/// Whether `text` fits in `max_lines` lines at `size` without a cut.
fn shows_whole(text: &str, size: f32, bold: bool, max_lines: usize) -> bool {
    let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    words(&wrap(text, size, bold, LINE, max_lines).join(" ")) == words(text)
}

/// The width of a line of text.
const LINE: f32 = WIDTH as f32 - 2.0 * MARGIN;

/// The blocks as SVG `<text>` lines, or none when they do not fit above
/// the footer (with `cut`: the lines that fit, the rest left out).
fn layout(blocks: &[Block], cut: bool) -> Option<String> {
    let mut body = String::new();
    let mut y = 64.0;
    let mut prev: Option<f32> = None;
    for b in blocks {
        let s = b.style;
        if b.optional && !shows_whole(b.text, s.size, s.bold, s.max_lines) {
            // A detail is shown whole or not at all: never a cut number.
            continue;
        }
        let lines = wrap(b.text, s.size, s.bold, LINE, s.max_lines);
        let step = s.size * 1.3;
        // The gap between baselines grows with both blocks' sizes.
        let start = match prev {
            None => y + s.size,
            Some(p) => y + 0.45 * p + 1.2 * s.size,
        };
        let end = start + step * (lines.len() - 1) as f32;
        if end > TEXT_BOTTOM {
            if cut {
                break;
            }
            return None;
        }
        for (k, line) in lines.iter().enumerate() {
            body.push_str(&text_element(line, start + step * k as f32, s));
        }
        y = end;
        prev = Some(s.size);
    }
    Some(body)
}

/// One line of text at baseline `y`.
fn text_element(line: &str, y: f32, s: Style<'_>) -> String {
    format!(
        r#"<text x="{MARGIN}" y="{y}" font-family="{FAMILY}" font-size="{}" font-weight="{}" fill="{}">{}</text>"#,
        s.size,
        if s.bold { "bold" } else { "normal" },
        escape(s.colour),
        escape(line)
    )
}

/// `s` escaped for SVG text and attribute values (the charts' escaping).
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    crate::chart::push_esc(&mut out, s);
    out
}

/// The width of `s` in pixels at `size` in the bundled font: the sum of
/// its glyphs' advances (kerning ignored; the wrapping keeps a margin for it).
pub fn text_width(s: &str, size: f32, bold: bool) -> f32 {
    let Ok(font) = FontRef::new(if bold { BOLD } else { REGULAR }) else {
        return 0.0;
    };
    let metrics = font.glyph_metrics(Size::new(size), LocationRef::default());
    let charmap = font.charmap();
    let fallback = charmap
        .map('?')
        .and_then(|g| metrics.advance_width(g))
        .unwrap_or(size * 0.6);
    s.chars()
        .map(|c| {
            charmap
                .map(c)
                .and_then(|g| metrics.advance_width(g))
                .unwrap_or(fallback)
        })
        .sum()
}

/// The room a line may fill, less a margin for kerning and rounding.
fn room(width: f32) -> f32 {
    width * 0.97
}

/// `s` cut to fit `width`, ending in `…` when cut.
fn fit(s: &str, size: f32, bold: bool, width: f32) -> String {
    if text_width(s, size, bold) <= room(width) {
        return s.to_string();
    }
    let mut chars: Vec<char> = s.chars().collect();
    while !chars.is_empty() {
        chars.pop();
        let cut: String = chars.iter().collect::<String>().trim_end().to_string() + "…";
        if text_width(&cut, size, bold) <= room(width) {
            return cut;
        }
    }
    "…".into()
}

/// `s` in lines that fit `width`, broken between words; at most
/// `max_lines`, the last ending in `…` when the text goes on.
fn wrap(s: &str, size: f32, bold: bool, width: f32, max_lines: usize) -> Vec<String> {
    if s.contains('\n') {
        // Each line of `s` starts a new line.
        let mut lines: Vec<String> = Vec::new();
        for part in s.lines() {
            let room_left = max_lines.saturating_sub(lines.len());
            if room_left == 0 {
                break;
            }
            lines.extend(wrap(part, size, bold, width, room_left));
        }
        return lines;
    }
    let fits = |t: &str| text_width(t, size, bold) <= room(width);
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in s.split_whitespace() {
        let candidate = if current.is_empty() {
            word.to_string()
        } else {
            format!("{current} {word}")
        };
        if current.is_empty() || fits(&candidate) {
            current = candidate;
            continue;
        }
        if lines.len() + 1 >= max_lines {
            // The last line allowed, and the text goes on.
            let cut = format!("{current}…");
            lines.push(if fits(&cut) {
                cut
            } else {
                fit(&candidate, size, bold, width)
            });
            return lines
                .into_iter()
                .map(|l| fit(&l, size, bold, width))
                .collect();
        }
        lines.push(std::mem::replace(&mut current, word.to_string()));
    }
    if !current.is_empty() {
        lines.push(current);
    }
    // A single word may be longer than the line.
    lines
        .into_iter()
        .map(|l| fit(&l, size, bold, width))
        .collect()
}

/// The font database: the two bundled faces and nothing else.
fn fonts() -> Arc<usvg::fontdb::Database> {
    static DB: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = usvg::fontdb::Database::new();
        db.load_font_data(REGULAR.to_vec());
        db.load_font_data(BOLD.to_vec());
        db.set_sans_serif_family(FAMILY);
        Arc::new(db)
    })
    .clone()
}

/// The SVG `svg` ([`card_svg`]) rasterised to PNG bytes at
/// [`WIDTH`]×[`HEIGHT`] (a palette PNG when it can be); the error says what failed.
pub fn png(svg: &str) -> Result<Vec<u8>, String> {
    encode(&rasterise(svg)?)
}

/// The SVG `svg` drawn at [`WIDTH`]×[`HEIGHT`] with the bundled fonts.
fn rasterise(svg: &str) -> Result<tiny_skia::Pixmap, String> {
    let options = usvg::Options {
        font_family: FAMILY.into(),
        fontdb: fonts(),
        ..Default::default()
    };
    let tree = usvg::Tree::from_str(svg, &options).map_err(|e| e.to_string())?;
    let mut pixmap =
        tiny_skia::Pixmap::new(WIDTH, HEIGHT).ok_or_else(|| "no pixmap".to_string())?;
    resvg::render(
        &tree,
        tiny_skia::Transform::identity(),
        &mut pixmap.as_mut(),
    );
    Ok(pixmap)
}

/// A drawn card as PNG bytes, as small as is cheap: the card is opaque and
/// has few colours (its flat fills and the anti-aliased edges between
/// them), so it is written as an 8-bit palette image when it has at most
/// 256 colours (palette in the order first met, so the same card gives the
/// same bytes), else as RGB; with the `png` crate's fast `fdeflate`
/// compression and one filter (Up) for every row. A pixmap that is not
/// opaque is written as tiny-skia writes it (RGBA).
fn encode(pixmap: &tiny_skia::Pixmap) -> Result<Vec<u8>, String> {
    let data = pixmap.data();
    if !opaque(data) {
        return pixmap.encode_png().map_err(|e| e.to_string());
    }
    let (colour, palette, pixels) = match palette(data) {
        Some((palette, indices)) => (png::ColorType::Indexed, Some(palette), indices),
        None => (png::ColorType::Rgb, None, rgb(data)),
    };
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, pixmap.width(), pixmap.height());
    enc.set_color(colour);
    enc.set_depth(png::BitDepth::Eight);
    if let Some(p) = palette {
        enc.set_palette(p);
    }
    enc.set_deflate_compression(png::DeflateCompression::FdeflateUltraFast);
    enc.set_filter(png::Filter::Up);
    let mut w = enc.write_header().map_err(|e| e.to_string())?;
    w.write_image_data(&pixels).map_err(|e| e.to_string())?;
    w.finish().map_err(|e| e.to_string())?;
    Ok(out)
}

/// The RGB palette of opaque RGBA `data` (colours in the order first met)
/// and each pixel's index in it, or none when it has more than 256 colours.
/// Written as plain loops over `u32`s with a small hash table of its own,
/// so that it stays cheap in unoptimised (test) builds too.
fn palette(data: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    const SLOTS: usize = 1024;
    let mut slots = [(u32::MAX, 0u8); SLOTS];
    let mut palette = Vec::with_capacity(768);
    let mut out = vec![0u8; data.len() / 4];
    let (mut last, mut last_i) = (u32::MAX, 0u8);
    let mut n = 0;
    while n < out.len() {
        let c = u32::from_le_bytes([data[4 * n], data[4 * n + 1], data[4 * n + 2], 0]);
        if c != last {
            let mut s = (c.wrapping_mul(0x9e37_79b1) >> 22) as usize;
            while slots[s].0 != c && slots[s].0 != u32::MAX {
                s = (s + 1) % SLOTS;
            }
            if slots[s].0 == u32::MAX {
                let i = u8::try_from(palette.len() / 3).ok()?;
                slots[s] = (c, i);
                palette.extend_from_slice(&c.to_le_bytes()[..3]);
            }
            (last, last_i) = (c, slots[s].1);
        }
        out[n] = last_i;
        n += 1;
    }
    Some((palette, out))
}

/// Whether every pixel of RGBA `data` is opaque.
fn opaque(data: &[u8]) -> bool {
    let mut n = 3;
    while n < data.len() {
        if data[n] != 255 {
            return false;
        }
        n += 4;
    }
    true
}

/// The RGB of opaque RGBA `data`, in a plain loop (cheap unoptimised too).
fn rgb(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; data.len() / 4 * 3];
    let mut n = 0;
    while n < data.len() / 4 {
        out[3 * n] = data[4 * n];
        out[3 * n + 1] = data[4 * n + 1];
        out[3 * n + 2] = data[4 * n + 2];
        n += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(title: &str) -> SocialCard {
        SocialCard {
            kicker: "Trial · Primary outcome".into(),
            title: title.into(),
            subject: Some("Death at 28 days".into()),
            headline: Some("RR 1.12 (0.87 to 1.43)".into()),
            details: vec!["Levosimendan 89/258 (34.5%) vs Placebo 79/256 (30.9%)".into()],
            verdict: Some(("✓ RR adds up".into(), Tone::Good)),
            site: "Critical care evidence".into(),
        }
    }

    #[test]
    fn wide_text_is_measured_wider() {
        let narrow = text_width("iiii", 30.0, false);
        let wide = text_width("WWWW", 30.0, false);
        assert!(narrow > 0.0 && wide > 2.0 * narrow, "{narrow} {wide}");
        assert!(text_width("Word", 30.0, true) > text_width("Word", 30.0, false));
    }

    #[test]
    fn long_text_wraps_within_the_width_and_ends_in_an_ellipsis() {
        let long = "word ".repeat(200);
        let lines = wrap(&long, 54.0, true, 1072.0, 2);
        assert_eq!(lines.len(), 2);
        assert!(lines[1].ends_with('…'), "{lines:?}");
        for l in &lines {
            assert!(text_width(l, 54.0, true) <= 1072.0, "{l}");
        }
        let unbroken = "x".repeat(300);
        let one = wrap(&unbroken, 30.0, false, 500.0, 2);
        assert_eq!(one.len(), 1);
        assert!(one[0].ends_with('…') && text_width(&one[0], 30.0, false) <= 500.0);
        assert_eq!(
            wrap("short title", 54.0, true, 1072.0, 2),
            vec!["short title"]
        );
    }

    #[test]
    fn every_line_stays_above_the_footer_however_long_the_text() {
        let mut c = card(&"A very long trial title ".repeat(20));
        c.details = vec![
            "detail ".repeat(80),
            "more ".repeat(80),
            "again ".repeat(80),
        ];
        c.verdict = Some(("verdict ".repeat(80), Tone::Bad));
        let svg = card_svg(&c, "#0b5d6b", "#fbfbf8");
        let baselines: Vec<f32> = svg
            .split("<text x=\"64\" y=\"")
            .skip(1)
            .map(|s| s.split('"').next().unwrap().parse().unwrap())
            .collect();
        let footer = baselines.last().copied().unwrap();
        assert!(baselines.len() >= 4, "{svg}");
        for y in &baselines[..baselines.len() - 1] {
            assert!(*y <= TEXT_BOTTOM, "{y} in {svg}");
        }
        assert!(footer > TEXT_BOTTOM + 18.0);
    }

    #[test]
    fn text_is_escaped_in_the_svg() {
        let svg = card_svg(&card("A <b> & \"c\""), "#000", "#fff");
        assert!(svg.contains("A &lt;b&gt; &amp; &quot;c&quot;"), "{svg}");
    }

    #[test]
    fn the_png_decodes_at_1200_by_630_and_is_the_same_every_time() {
        let svg = card_svg(&card("LeoPARDS"), "#0b5d6b", "#fbfbf8");
        let a = png(&svg).unwrap();
        let b = png(&svg).unwrap();
        assert_eq!(a, b);
        let p = tiny_skia::Pixmap::decode_png(&a).unwrap();
        assert_eq!((p.width(), p.height()), (WIDTH, HEIGHT));
        // Text was drawn: some pixels below the accent bar are dark.
        let below_bar = &p.pixels()[WIDTH as usize * 20..];
        let dark = below_bar.iter().filter(|c| c.red() < 80).count();
        assert!(dark > 1000, "{dark}");
    }

    #[test]
    fn a_card_with_few_colours_is_a_palette_image_and_decodes_to_what_was_drawn() {
        let svg = card_svg(&card("LeoPARDS"), "#0b5d6b", "#fbfbf8");
        let drawn = rasterise(&svg).unwrap();
        let bytes = encode(&drawn).unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(&bytes));
        let reader = decoder.read_info().unwrap();
        let info = reader.info();
        assert_eq!(info.color_type, png::ColorType::Indexed);
        let colours = info.palette.as_ref().map(|p| p.len() / 3).unwrap();
        assert!((3..=256).contains(&colours), "{colours}");
        // Lossless: every pixel reads back as drawn (tiny-skia expands the
        // palette to RGBA when it decodes).
        let back = tiny_skia::Pixmap::decode_png(&bytes).unwrap();
        assert_eq!(back.data(), drawn.data());
    }

    /// A 20×20 pixmap of 400 colours, opaque or not.
    fn many_colours(alpha: u8) -> tiny_skia::Pixmap {
        let mut p = tiny_skia::Pixmap::new(20, 20).unwrap();
        for (i, px) in p.pixels_mut().iter_mut().enumerate() {
            let (r, g) = ((i % 20 * 12) as u8, (i / 20 * 12) as u8);
            let (r, g) = (r.min(alpha), g.min(alpha));
            *px = tiny_skia::PremultipliedColorU8::from_rgba(r, g, 0, alpha).unwrap();
        }
        p
    }

    #[test]
    fn many_colours_are_rgb_and_see_through_is_rgba_both_lossless() {
        for (alpha, colour) in [(255, png::ColorType::Rgb), (200, png::ColorType::Rgba)] {
            let drawn = many_colours(alpha);
            let bytes = encode(&drawn).unwrap();
            let reader = png::Decoder::new(std::io::Cursor::new(&bytes));
            assert_eq!(reader.read_info().unwrap().info().color_type, colour);
            let back = tiny_skia::Pixmap::decode_png(&bytes).unwrap();
            assert_eq!(back.data(), drawn.data(), "{colour:?}");
        }
    }

    #[test]
    fn more_than_256_colours_is_no_palette() {
        let mut data = Vec::new();
        for i in 0..300u32 {
            data.extend_from_slice(&[(i % 256) as u8, (i / 256) as u8, 0, 255]);
        }
        assert!(palette(&data).is_none());
        let (p, idx) = palette(&data[..256 * 4]).unwrap();
        assert_eq!((p.len(), idx[255]), (768, 255));
        let (p, idx) = palette(&[9, 9, 9, 255, 1, 1, 1, 255, 9, 9, 9, 255]).unwrap();
        assert_eq!((p, idx), (vec![9, 9, 9, 1, 1, 1], vec![0, 1, 0]));
    }

    /// How long a card takes, stage by stage, and its size: run with
    /// `cargo test --release --lib social::tests::timing -- --ignored --nocapture`.
    #[test]
    #[ignore = "timing; run with --ignored --nocapture"]
    fn timing() {
        let svg = card_svg(&card("LeoPARDS"), "#0b5d6b", "#fbfbf8");
        let n = 20;
        let t = std::time::Instant::now();
        for _ in 0..n {
            rasterise(&svg).unwrap();
        }
        let draw = t.elapsed() / n;
        let pixmap = rasterise(&svg).unwrap();
        let t = std::time::Instant::now();
        for _ in 0..n {
            pixmap.encode_png().unwrap();
        }
        let before = t.elapsed() / n;
        let t = std::time::Instant::now();
        for _ in 0..n {
            encode(&pixmap).unwrap();
        }
        let after = t.elapsed() / n;
        let colours = palette(pixmap.data()).map(|p| p.0.len() / 3);
        eprintln!(
            "parse + rasterise {draw:?}; encode: tiny-skia RGBA {before:?} ({} bytes), now {after:?} ({} bytes, palette of {colours:?} colours)",
            pixmap.encode_png().unwrap().len(),
            encode(&pixmap).unwrap().len(),
        );
    }

    #[test]
    fn alt_text_reads_every_part_in_order() {
        assert_eq!(
            card("LeoPARDS").alt(),
            "LeoPARDS. Death at 28 days. RR 1.12 (0.87 to 1.43). Levosimendan 89/258 (34.5%) vs Placebo 79/256 (30.9%). ✓ RR adds up. Critical care evidence."
        );
    }
}
