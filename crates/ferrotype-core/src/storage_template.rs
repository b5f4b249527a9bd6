//! Immich's storage template: where an original is moved to, `library/<label or user>/<rendered
//! template>.<ext>`, when the template is enabled. The template is the part of Handlebars a path
//! needs (`{{name}}`, `{{{name}}}`, `{{#if name}}` / `{{#unless name}}` with `{{else}}`,
//! comments, `~`), compiled once and rendered per asset in Handlebars' strict mode: a name that
//! has no value (an album date outside an album) fails the render and the file stays where it is.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Timelike, Utc};
use uuid::Uuid;

/// The date tokens a storage template may use (Immich's `storageTokens`), by kind.
pub const STORAGE_TOKENS: &[(&str, &[&str])] = &[
    ("secondOptions", &["s", "ss", "SSS"]),
    ("minuteOptions", &["m", "mm"]),
    ("dayOptions", &["d", "dd"]),
    ("weekOptions", &["W", "WW"]),
    ("hourOptions", &["h", "hh", "H", "HH"]),
    ("yearOptions", &["y", "yy"]),
    ("monthOptions", &["M", "MM", "MMM", "MMMM"]),
];

/// Immich's preset storage templates.
pub const STORAGE_PRESETS: &[&str] = &[
    "{{y}}/{{y}}-{{MM}}-{{dd}}/{{filename}}",
    "{{y}}/{{MM}}-{{dd}}/{{filename}}",
    "{{y}}/{{MMMM}}-{{dd}}/{{filename}}",
    "{{y}}/{{MM}}/{{filename}}",
    "{{y}}/{{#if album}}{{album}}{{else}}Other/{{MM}}{{/if}}/{{filename}}",
    "{{#if album}}{{album-startDate-y}}/{{album}}{{else}}{{y}}/Other/{{MM}}{{/if}}/{{filename}}",
    "{{y}}/{{MMM}}/{{filename}}",
    "{{y}}/{{MMMM}}/{{filename}}",
    "{{y}}/{{MM}}/{{dd}}/{{filename}}",
    "{{y}}/{{MMMM}}/{{dd}}/{{filename}}",
    "{{y}}/{{y}}-{{MM}}/{{y}}-{{MM}}-{{dd}}/{{filename}}",
    "{{y}}-{{MM}}-{{dd}}/{{filename}}",
    "{{y}}-{{MMM}}-{{dd}}/{{filename}}",
    "{{y}}-{{MMMM}}-{{dd}}/{{filename}}",
    "{{y}}/{{y}}-{{MM}}/{{filename}}",
    "{{y}}/{{y}}-{{WW}}/{{filename}}",
    "{{y}}/{{y}}-{{MM}}-{{dd}}/{{assetId}}",
    "{{y}}/{{y}}-{{MM}}/{{assetId}}",
    "{{y}}/{{y}}-{{WW}}/{{assetId}}",
    "{{album}}/{{filename}}",
    "{{make}}/{{model}}/{{lensModel}}/{{filename}}",
];

/// Names a template may refer to besides the date tokens (plain, and as `album-startDate-<token>`
/// / `album-endDate-<token>`).
const VARIABLES: &[&str] = &[
    "filename",
    "ext",
    "filetype",
    "filetypefull",
    "assetId",
    "assetIdShort",
    "album",
    "make",
    "model",
    "lensModel",
];

const INVALID: &str = "Invalid storage template";

fn is_token(name: &str) -> bool {
    STORAGE_TOKENS
        .iter()
        .any(|(_, tokens)| tokens.contains(&name))
}

fn is_variable(name: &str) -> bool {
    VARIABLES.contains(&name)
        || is_token(name)
        || name
            .strip_prefix("album-startDate-")
            .or_else(|| name.strip_prefix("album-endDate-"))
            .is_some_and(is_token)
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    Text(String),
    /// `{{name}}` (HTML-escaped, as Handlebars does) or `{{{name}}}` (as it is).
    Value {
        name: String,
        escaped: bool,
    },
    /// `{{#if name}}` (or `#unless`, `negated`) with its `{{else}}` part.
    Block {
        name: String,
        negated: bool,
        then: Vec<Node>,
        otherwise: Vec<Node>,
    },
}

/// A compiled storage template.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    raw: String,
    nodes: Vec<Node>,
}

/// An open block while parsing: its helper, its name, and which part is being filled.
struct Open {
    helper: String,
    name: String,
    then: Vec<Node>,
    in_else: bool,
    otherwise: Vec<Node>,
}

impl Template {
    /// Compiles `raw`; an unknown name or helper, or broken syntax, is Immich's "Invalid storage
    /// template". Like Immich, it is then rendered once with sample values.
    pub fn compile(raw: &str) -> Result<Template, String> {
        let mut stack: Vec<Open> = Vec::new();
        let mut top: Vec<Node> = Vec::new();
        fn push(stack: &mut [Open], top: &mut Vec<Node>, node: Node) {
            match stack.last_mut() {
                Some(open) if open.in_else => open.otherwise.push(node),
                Some(open) => open.then.push(node),
                None => top.push(node),
            }
        }
        let mut rest = raw;
        // `~` beside a mustache trims the whitespace of the text on that side.
        let mut trim_next = false;
        loop {
            let Some(start) = rest.find("{{") else {
                let text = if trim_next { rest.trim_start() } else { rest };
                if !text.is_empty() {
                    push(&mut stack, &mut top, Node::Text(text.to_string()));
                }
                break;
            };
            let after = &rest[start + 2..];
            let trim_before = after.trim_start_matches('{').starts_with('~');
            let mut text = &rest[..start];
            if trim_next {
                text = text.trim_start();
            }
            if trim_before {
                text = text.trim_end();
            }
            if !text.is_empty() {
                push(&mut stack, &mut top, Node::Text(text.to_string()));
            }
            // `{{!-- ... --}}` may contain `}}`.
            if let Some(comment) = after.strip_prefix("!--") {
                let end = comment.find("--}}").ok_or(INVALID)?;
                rest = &comment[end + 4..];
                trim_next = false;
                continue;
            }
            let triple = after.starts_with('{');
            let close = if triple { "}}}" } else { "}}" };
            let end = after.find(close).ok_or(INVALID)?;
            let inner = &after[usize::from(triple)..end];
            rest = &after[end + close.len()..];
            trim_next = inner.ends_with('~');
            let inner = inner.trim_start_matches('~').trim_end_matches('~').trim();
            if inner.starts_with('!') {
                continue;
            }
            let words: Vec<&str> = inner.split_whitespace().collect();
            match words.as_slice() {
                [helper, name] if !triple && matches!(*helper, "#if" | "#unless") => {
                    if !is_variable(name) {
                        return Err(INVALID.into());
                    }
                    stack.push(Open {
                        helper: helper[1..].to_string(),
                        name: name.to_string(),
                        then: Vec::new(),
                        in_else: false,
                        otherwise: Vec::new(),
                    });
                }
                ["else"] if !triple => match stack.last_mut() {
                    Some(open) if !open.in_else => open.in_else = true,
                    _ => return Err(INVALID.into()),
                },
                [end_block] if !triple && end_block.starts_with('/') => {
                    let open = stack.pop().ok_or(INVALID)?;
                    if open.helper != end_block[1..] {
                        return Err(INVALID.into());
                    }
                    let block = Node::Block {
                        name: open.name,
                        negated: open.helper == "unless",
                        then: open.then,
                        otherwise: open.otherwise,
                    };
                    push(&mut stack, &mut top, block);
                }
                [name] if is_variable(name) => push(
                    &mut stack,
                    &mut top,
                    Node::Value {
                        name: name.to_string(),
                        escaped: !triple,
                    },
                ),
                _ => return Err(INVALID.into()),
            }
        }
        if !stack.is_empty() {
            return Err(INVALID.into());
        }
        let template = Template {
            raw: raw.to_string(),
            nodes: top,
        };
        let sample = Subject {
            asset_id: Uuid::parse_str("d587e44b-f8c0-4832-9ba3-43268bbf5d4e").unwrap(),
            is_image: true,
            file_created_at: Utc::now(),
            filename: "IMG_123".into(),
            extension: "jpg".into(),
            album: Some(AlbumFacts {
                name: "album".into(),
                start: Some(Utc::now()),
                end: Some(Utc::now()),
            }),
            make: Some("FUJIFILM".into()),
            model: Some("X-T50".into()),
            lens_model: Some("XF27mm F2.8 R WR".into()),
        };
        template.render(&sample).map_err(|_| INVALID)?;
        Ok(template)
    }

    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// Whether rendering needs the asset's album (its name, or its dates too).
    pub fn needs_album(&self) -> bool {
        self.raw.contains("album")
    }

    /// The template for `subject`, with runs of `/` made one. A name without a value is an error
    /// (Handlebars' strict mode).
    pub fn render(&self, subject: &Subject) -> Result<String, String> {
        let values = subject.substitutions();
        let mut out = String::new();
        render_nodes(&self.nodes, &values, &mut out)?;
        let mut collapsed = String::with_capacity(out.len());
        for c in out.chars() {
            if !(c == '/' && collapsed.ends_with('/')) {
                collapsed.push(c);
            }
        }
        Ok(collapsed)
    }
}

fn render_nodes(
    nodes: &[Node],
    values: &HashMap<String, String>,
    out: &mut String,
) -> Result<(), String> {
    let value = |name: &str| {
        values
            .get(name)
            .ok_or_else(|| format!("\"{name}\" not defined"))
    };
    for node in nodes {
        match node {
            Node::Text(text) => out.push_str(text),
            Node::Value { name, escaped } => {
                let v = value(name)?;
                if *escaped {
                    escape_html(v, out);
                } else {
                    out.push_str(v);
                }
            }
            Node::Block {
                name,
                negated,
                then,
                otherwise,
            } => {
                let truthy = !value(name)?.is_empty();
                let part = if truthy != *negated { then } else { otherwise };
                render_nodes(part, values, out)?;
            }
        }
    }
    Ok(())
}

/// Handlebars escapes what `{{name}}` inserts (Immich does not turn that off).
fn escape_html(value: &str, out: &mut String) {
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            '`' => out.push_str("&#x60;"),
            '=' => out.push_str("&#x3D;"),
            c => out.push(c),
        }
    }
}

/// The album whose name (and dates) a template may use: the first the asset is in.
#[derive(Debug, Clone, PartialEq)]
pub struct AlbumFacts {
    pub name: String,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
}

/// What a template is rendered from.
#[derive(Debug, Clone, PartialEq)]
pub struct Subject {
    pub asset_id: Uuid,
    pub is_image: bool,
    /// Rendered in UTC (Immich uses the server's zone, UTC in its containers).
    pub file_created_at: DateTime<Utc>,
    /// The original's name without its extension, made safe.
    pub filename: String,
    pub extension: String,
    pub album: Option<AlbumFacts>,
    pub make: Option<String>,
    pub model: Option<String>,
    pub lens_model: Option<String>,
}

impl Subject {
    fn substitutions(&self) -> HashMap<String, String> {
        let id = self.asset_id.to_string();
        let album_name = self.album.as_ref().map(|a| a.name.replace('.', ""));
        let mut values: HashMap<String, String> = [
            ("filename", self.filename.clone()),
            ("ext", self.extension.clone()),
            ("filetype", if self.is_image { "IMG" } else { "VID" }.into()),
            (
                "filetypefull",
                if self.is_image { "IMAGE" } else { "VIDEO" }.into(),
            ),
            ("assetIdShort", id[id.len() - 12..].to_string()),
            ("assetId", id),
            (
                "album",
                album_name
                    .as_deref()
                    .map(sanitize_filename)
                    .unwrap_or_default(),
            ),
            ("make", self.make.clone().unwrap_or_default()),
            ("model", self.model.clone().unwrap_or_default()),
            ("lensModel", self.lens_model.clone().unwrap_or_default()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        for (_, tokens) in STORAGE_TOKENS {
            for token in *tokens {
                values.insert(
                    token.to_string(),
                    format_token(&self.file_created_at, token),
                );
                // Album dates are names only inside an album (a missing name fails the render).
                if let Some(album) = self.album.as_ref().filter(|a| !a.name.is_empty()) {
                    let date = |d: &Option<DateTime<Utc>>| {
                        d.as_ref()
                            .map(|d| format_token(d, token))
                            .unwrap_or_default()
                    };
                    values.insert(format!("album-startDate-{token}"), date(&album.start));
                    values.insert(format!("album-endDate-{token}"), date(&album.end));
                }
            }
        }
        values
    }
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A date token as Luxon's `toFormat` writes it (English month names).
fn format_token(at: &DateTime<Utc>, token: &str) -> String {
    let month = MONTHS[at.month0() as usize];
    let hour12 = match at.hour() % 12 {
        0 => 12,
        h => h,
    };
    match token {
        "y" => at.year().to_string(),
        "yy" => format!("{:02}", at.year().rem_euclid(100)),
        "M" => at.month().to_string(),
        "MM" => format!("{:02}", at.month()),
        "MMM" => month[..3].to_string(),
        "MMMM" => month.to_string(),
        "d" => at.day().to_string(),
        "dd" => format!("{:02}", at.day()),
        "W" => at.iso_week().week().to_string(),
        "WW" => format!("{:02}", at.iso_week().week()),
        "h" => hour12.to_string(),
        "hh" => format!("{hour12:02}"),
        "H" => at.hour().to_string(),
        "HH" => format!("{:02}", at.hour()),
        "m" => at.minute().to_string(),
        "mm" => format!("{:02}", at.minute()),
        "s" => at.second().to_string(),
        "ss" => format!("{:02}", at.second()),
        "SSS" => format!("{:03}", at.timestamp_subsec_millis()),
        _ => String::new(),
    }
}

/// What the npm `sanitize-filename` package (which Immich uses) leaves of a name: no `/ ? < > \
/// : * | "` or control characters, no name of dots only, no Windows device name, no trailing
/// dots or spaces, at most 255 bytes.
pub fn sanitize_filename(name: &str) -> String {
    let mut out: String = name
        .chars()
        .filter(|c| {
            !matches!(c, '/' | '?' | '<' | '>' | '\\' | ':' | '*' | '|' | '"')
                && !matches!(*c as u32, 0x00..=0x1f | 0x80..=0x9f)
        })
        .collect();
    if !out.is_empty() && out.chars().all(|c| c == '.') {
        out.clear();
    }
    let stem = out.split('.').next().unwrap_or("").to_ascii_lowercase();
    let device = matches!(stem.as_str(), "con" | "prn" | "aux" | "nul")
        || ((stem.starts_with("com") || stem.starts_with("lpt"))
            && stem.len() == 4
            && stem.as_bytes()[3].is_ascii_digit());
    if device {
        out.clear();
    }
    let kept = out.trim_end_matches(['.', ' ']).len();
    out.truncate(kept);
    let mut end = out.len().min(255);
    while !out.is_char_boundary(end) {
        end -= 1;
    }
    out.truncate(end);
    out
}

/// The extension of a blob key or file name, without its dot (`""` when none).
fn extension_of(name: &str) -> &str {
    let base = name.rsplit('/').next().unwrap_or(name);
    match base.rfind('.') {
        Some(0) | None => "",
        Some(i) => &base[i + 1..],
    }
}

/// Immich's canonical spelling of an extension.
fn canonical_extension(ext: &str) -> String {
    let lower = ext.to_ascii_lowercase();
    match lower.as_str() {
        "jpeg" | "jpe" => "jpg".into(),
        "tif" => "tiff".into(),
        "3gpp" => "3gp".into(),
        "mpeg" | "mpe" => "mpg".into(),
        "m2ts" | "m2t" => "mts".into(),
        _ => lower,
    }
}

/// The extension a template's `ext` gets and the moved file keeps: the stored file's, lower
/// case, in Immich's canonical spelling.
pub fn template_extension(source_key: &str) -> String {
    canonical_extension(extension_of(source_key))
}

/// The user's folder under `library/`: the storage label, else the user id.
pub fn library_folder(owner_id: Uuid, storage_label: Option<&str>) -> String {
    let label = storage_label.map(sanitize_filename).unwrap_or_default();
    if label.is_empty() {
        format!("library/{owner_id}")
    } else {
        format!("library/{label}")
    }
}

/// The name a template's `filename` gets: the original's name without its extension (and
/// without the stored file's extension, when it ends so), made safe.
pub fn template_filename(original_file_name: &str, source_key: &str) -> String {
    let ext = extension_of(original_file_name);
    let base = original_file_name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(original_file_name);
    let mut stem = if ext.is_empty() {
        base
    } else {
        &base[..base.len() - ext.len() - 1]
    };
    let stored_ext = extension_of(source_key);
    if !stored_ext.is_empty()
        && let Some(s) = stem.strip_suffix(&format!(".{stored_ext}"))
    {
        stem = s;
    }
    sanitize_filename(stem)
}

/// Where the template puts an original: `stem` + `.ext`, or `stem+N.ext` when taken.
#[derive(Debug, Clone, PartialEq)]
pub struct Destination {
    /// `library/<folder>/<rendered>` without the extension.
    pub stem: String,
    pub extension: String,
}

impl Destination {
    /// The `n`th candidate: `stem.ext`, then `stem+1.ext`, `stem+2.ext`, ...
    pub fn candidate(&self, n: u32) -> String {
        if n == 0 {
            format!("{}.{}", self.stem, self.extension)
        } else {
            format!("{}+{n}.{}", self.stem, self.extension)
        }
    }

    /// Whether `source` is already this place (or this place with a `+N` that a name taken
    /// before it got).
    pub fn holds(&self, source: &str) -> bool {
        if source == self.candidate(0) {
            return true;
        }
        source
            .strip_prefix(self.stem.as_str())
            .and_then(|rest| rest.strip_suffix(&format!(".{}", self.extension)))
            .and_then(|n| n.strip_prefix('+'))
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    }
}

/// The destination of the original at `source_key` under `folder` (see `library_folder`), or
/// `None` when the rendered path would leave the folder (`..` in the template's text).
pub fn destination(
    template: &Template,
    folder: &str,
    source_key: &str,
    subject: &Subject,
) -> Result<Option<Destination>, String> {
    let rendered = template.render(subject)?;
    let mut parts: Vec<&str> = folder.split('/').collect();
    let floor = parts.len();
    for part in rendered.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.len() == floor {
                    return Ok(None);
                }
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    if parts.len() == floor {
        return Ok(None);
    }
    Ok(Some(Destination {
        stem: parts.join("/"),
        extension: template_extension(source_key),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn subject() -> Subject {
        Subject {
            asset_id: Uuid::parse_str("11111111-2222-4333-8444-555555555555").unwrap(),
            is_image: true,
            file_created_at: Utc.with_ymd_and_hms(2023, 3, 5, 14, 7, 9).unwrap(),
            filename: "IMG_0001".into(),
            extension: "jpg".into(),
            album: None,
            make: Some("Canon".into()),
            model: None,
            lens_model: None,
        }
    }

    fn render(raw: &str, s: &Subject) -> Result<String, String> {
        Template::compile(raw)?.render(s)
    }

    #[test]
    fn compiles_what_immich_compiles() {
        for preset in STORAGE_PRESETS {
            assert!(Template::compile(preset).is_ok(), "{preset}");
        }
        for good in [
            "{{y}}/{{filetype}}-{{assetIdShort}}.{{ext}}",
            "{{!-- note }} --}}{{y}}/{{~filename~}}",
            "{{#unless album}}loose{{/unless}}/{{{filename}}}",
            "plain/{{album-endDate-MMMM}}/{{filename}}",
        ] {
            assert!(Template::compile(good).is_ok(), "{good}");
        }
        for bad in [
            "{{foo}}",
            "{{y}}/{{filename",
            "{{#if album}}{{album}}",
            "{{#if album}}x{{/unless}}",
            "{{#each album}}x{{/each}}",
            "{{#if nope}}x{{/if}}",
            "{{lookup y}}",
            "{{/if}}",
            "{{else}}",
            "{{#if album}}a{{else}}b{{else}}c{{/if}}",
        ] {
            assert_eq!(
                Template::compile(bad),
                Err("Invalid storage template".to_string()),
                "{bad}"
            );
        }
    }

    #[test]
    fn renders_dates_names_and_blocks() {
        let s = subject();
        assert_eq!(
            render("{{y}}/{{y}}-{{MM}}-{{dd}}/{{filename}}", &s).unwrap(),
            "2023/2023-03-05/IMG_0001"
        );
        assert_eq!(
            render("{{yy}} {{M}} {{MMM}} {{MMMM}} {{d}} {{W}} {{WW}} {{h}} {{hh}} {{H}} {{m}} {{mm}} {{s}} {{ss}} {{SSS}}", &s).unwrap(),
            "23 3 Mar March 5 9 09 2 02 14 7 07 9 09 000"
        );
        assert_eq!(
            render(
                "{{y}}/{{#if album}}{{album}}{{else}}Other/{{MM}}{{/if}}/{{filename}}",
                &s
            )
            .unwrap(),
            "2023/Other/03/IMG_0001"
        );
        assert_eq!(
            render("{{make}}/{{model}}/{{lensModel}}/{{filename}}", &s).unwrap(),
            "Canon/IMG_0001",
            "empty names leave no empty folders"
        );
        assert_eq!(
            render("{{filetype}}{{filetypefull}}-{{assetIdShort}}", &s).unwrap(),
            "IMGIMAGE-555555555555"
        );
        // Outside an album its dates have no value: the render fails (the file stays put).
        assert!(render("{{album-startDate-y}}/{{filename}}", &s).is_err());
        let mut in_album = subject();
        in_album.album = Some(AlbumFacts {
            name: "Trip... to Rome".into(),
            start: Some(Utc.with_ymd_and_hms(2022, 12, 30, 0, 0, 0).unwrap()),
            end: None,
        });
        assert_eq!(
            render(
                "{{#if album}}{{album-startDate-y}}/{{album}}{{else}}{{y}}/Other/{{MM}}{{/if}}/{{filename}}",
                &in_album
            )
            .unwrap(),
            "2022/Trip to Rome/IMG_0001"
        );
        // `{{ }}` escapes as Handlebars does; `{{{ }}}` does not.
        let mut odd = subject();
        odd.filename = "a&b".into();
        assert_eq!(
            render("{{filename}}|{{{filename}}}", &odd).unwrap(),
            "a&amp;b|a&b"
        );
    }

    #[test]
    fn names_are_made_safe() {
        assert_eq!(sanitize_filename("a/b\\c:d*e?f\"g<h>i|j"), "abcdefghij");
        assert_eq!(sanitize_filename(".."), "");
        assert_eq!(sanitize_filename("CON.txt"), "");
        assert_eq!(sanitize_filename("com1"), "");
        assert_eq!(sanitize_filename("photo. . "), "photo");
        assert_eq!(sanitize_filename("x\u{0}y\u{85}z"), "xyz");
        assert_eq!(sanitize_filename(&"é".repeat(200)).len(), 254);
        assert_eq!(
            template_filename("IMG_1.JPG", "upload/u/ab/cd/x.jpg"),
            "IMG_1"
        );
        assert_eq!(template_filename("a.jpg.jpg", "upload/u/ab/cd/x.jpg"), "a");
        assert_eq!(
            template_filename("../../etc/passwd", "upload/x.jpg"),
            "passwd"
        );
        assert_eq!(template_filename("noext", "upload/x.jpg"), "noext");
    }

    #[test]
    fn destinations_stay_in_the_users_folder() {
        let t = Template::compile("{{y}}/../../../{{filename}}").unwrap();
        let folder = library_folder(Uuid::nil(), None);
        assert_eq!(folder, "library/00000000-0000-0000-0000-000000000000");
        assert_eq!(
            destination(&t, &folder, "upload/x.jpg", &subject()).unwrap(),
            None
        );
        let t = Template::compile("{{y}}/./{{filename}}").unwrap();
        let d = destination(&t, "library/ada", "upload/u/ab/cd/x.JPEG", &subject())
            .unwrap()
            .unwrap();
        assert_eq!(d.candidate(0), "library/ada/2023/IMG_0001.jpg");
        assert_eq!(d.candidate(2), "library/ada/2023/IMG_0001+2.jpg");
        assert!(d.holds("library/ada/2023/IMG_0001.jpg"));
        assert!(d.holds("library/ada/2023/IMG_0001+7.jpg"));
        assert!(!d.holds("library/ada/2023/IMG_0001+x.jpg"));
        assert!(!d.holds("upload/u/ab/cd/x.JPEG"));
        assert_eq!(library_folder(Uuid::nil(), Some("a/b")), "library/ab");
    }
}
