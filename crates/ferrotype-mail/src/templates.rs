//! The emails Immich sends, by its template names (`test`, `welcome`, `album-invite`,
//! `album-update`), with its subjects, variables and links, in our own plain HTML (Immich
//! renders React components). An admin's custom template (system config `templates.email.*`)
//! replaces the greeting and message: its `{variable}` tags are filled in, unknown or empty ones
//! left as they are, as Immich does; the values are HTML-escaped (Immich inserts them raw).

/// A rendered email: the HTML and its plain-text alternative.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub html: String,
    pub text: String,
}

/// Immich's `EmailTemplate` names that have a preview.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Template {
    Welcome,
    AlbumInvite,
    AlbumUpdate,
}

impl Template {
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "welcome" => Some(Template::Welcome),
            "album-invite" => Some(Template::AlbumInvite),
            "album-update" => Some(Template::AlbumUpdate),
            _ => None,
        }
    }
}

/// The test email (`POST /admin/notifications/test-email`).
pub fn test_email(base_url: &str, display_name: &str) -> Rendered {
    let content = Content::Default(vec![
        Line::Greeting(display_name),
        Line::Plain("This is a test email from your Immich Instance!"),
    ]);
    render(
        "This is a test email from Immich.",
        content,
        None,
        &[Line::Link(base_url)],
    )
}

/// A new account's welcome (`password` only when the admin chose to send it).
pub fn welcome(
    base_url: &str,
    display_name: &str,
    username: &str,
    password: Option<&str>,
    custom: &str,
) -> Rendered {
    let vars = [
        ("displayName", display_name),
        ("username", username),
        ("password", password.unwrap_or("")),
        ("baseUrl", base_url),
    ];
    let mut lines = vec![
        Line::Greeting(display_name),
        Line::Plain("A new account has been created for you."),
        Line::Field("Username", username),
    ];
    if let Some(password) = password {
        lines.push(Line::Field("Password", password));
    }
    let content = Content::pick(custom, &vars, lines);
    render(
        "You have been invited to a new Immich instance.",
        content,
        Some(("Login", &format!("{base_url}/auth/login"))),
        &[
            Line::Plain(
                "If you cannot click the button use the link below to proceed with first login.",
            ),
            Line::Link(base_url),
        ],
    )
}

/// A user was added to an album.
pub fn album_invite(
    base_url: &str,
    album_id: &str,
    album_name: &str,
    sender_name: &str,
    recipient_name: &str,
    custom: &str,
) -> Rendered {
    let vars = [
        ("albumName", album_name),
        ("recipientName", recipient_name),
        ("senderName", sender_name),
        ("albumId", album_id),
        ("baseUrl", base_url),
    ];
    let added = format!("{sender_name} has added you to the album ");
    let content = Content::pick(
        custom,
        &vars,
        vec![
            Line::Greeting(recipient_name),
            Line::Strong(&added, album_name, "."),
        ],
    );
    album_email(
        "You have been added to a shared album.",
        content,
        base_url,
        album_id,
    )
}

/// New media in an album the user is a member of.
pub fn album_update(
    base_url: &str,
    album_id: &str,
    album_name: &str,
    recipient_name: &str,
    custom: &str,
) -> Rendered {
    let vars = [
        ("albumName", album_name),
        ("recipientName", recipient_name),
        ("albumId", album_id),
        ("baseUrl", base_url),
    ];
    let content = Content::pick(
        custom,
        &vars,
        vec![
            Line::Greeting(recipient_name),
            Line::Strong(
                "New media has been added to ",
                album_name,
                ". Check it out!",
            ),
        ],
    );
    album_email(
        "New media has been added to a shared album.",
        content,
        base_url,
        album_id,
    )
}

fn album_email(preview: &str, content: Content, base_url: &str, album_id: &str) -> Rendered {
    let url = format!("{base_url}/albums/{album_id}");
    render(
        preview,
        content,
        Some(("View Album", &url)),
        &[
            Line::Plain("If you cannot click the button use the link below to view the album."),
            Line::Link(&url),
        ],
    )
}

/// One paragraph of an email.
enum Line<'a> {
    /// "Hey <name>!"
    Greeting(&'a str),
    Plain(&'a str),
    /// Text, a value in bold, text.
    Strong(&'a str, &'a str, &'a str),
    /// "<label>: value"
    Field(&'a str, &'a str),
    Link(&'a str),
}

impl Line<'_> {
    fn html(&self) -> String {
        match self {
            Line::Greeting(name) => format!("<p>Hey <strong>{}</strong>!</p>", escape(name)),
            Line::Plain(text) => format!("<p>{}</p>", escape(text)),
            Line::Strong(before, value, after) => format!(
                "<p>{}<strong>{}</strong>{}</p>",
                escape(before),
                escape(value),
                escape(after)
            ),
            Line::Field(label, value) => format!(
                "<p><strong>{}</strong>: {}</p>",
                escape(label),
                escape(value)
            ),
            Line::Link(url) => format!("<p><a href=\"{0}\">{0}</a></p>", escape(url)),
        }
    }

    fn text(&self) -> String {
        match self {
            Line::Greeting(name) => format!("Hey {name}!"),
            Line::Plain(text) | Line::Link(text) => text.to_string(),
            Line::Strong(before, value, after) => format!("{before}{value}{after}"),
            Line::Field(label, value) => format!("{label}: {value}"),
        }
    }
}

/// The message of an email: ours, or the admin's template filled in.
enum Content<'a> {
    Default(Vec<Line<'a>>),
    /// HTML, as the admin wrote it with the values filled in.
    Custom(String),
}

impl<'a> Content<'a> {
    fn pick(custom: &str, vars: &[(&str, &str)], lines: Vec<Line<'a>>) -> Self {
        if custom.is_empty() {
            Content::Default(lines)
        } else {
            Content::Custom(replace_tags(custom, vars))
        }
    }
}

const STYLE: &str = "body{margin:0;padding:24px;background:#f6f6f4;color:#1f2328;\
font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;font-size:15px;line-height:1.5}\
.card{max-width:560px;margin:0 auto;background:#fff;border-radius:12px;padding:24px 32px}\
.button{display:inline-block;background:#4250af;color:#fff;text-decoration:none;\
padding:10px 24px;border-radius:8px;font-weight:600}\
.small{font-size:12px;color:#57606a}";

fn render(
    preview: &str,
    content: Content,
    button: Option<(&str, &str)>,
    footer: &[Line],
) -> Rendered {
    let mut html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\"><title>Immich</title>\
         <style>{STYLE}</style></head><body>\
         <div style=\"display:none\">{}</div><div class=\"card\">",
        escape(preview)
    );
    let mut text = Vec::new();
    match &content {
        Content::Default(lines) => {
            for line in lines {
                html.push_str(&line.html());
                text.push(line.text());
            }
        }
        Content::Custom(custom) => {
            html.push_str("<div>");
            html.push_str(custom);
            html.push_str("</div>");
            text.push(strip_tags(custom));
        }
    }
    if let Some((label, url)) = button {
        html.push_str(&format!(
            "<p style=\"text-align:center;margin:24px 0\"><a class=\"button\" href=\"{}\">{}</a></p>",
            escape(url),
            escape(label)
        ));
        text.push(format!("{label}: {url}"));
    }
    html.push_str("<div class=\"small\">");
    for line in footer {
        html.push_str(&line.html());
        text.push(line.text());
    }
    html.push_str("</div></div></body></html>");
    Rendered {
        html,
        text: text.join("\n\n"),
    }
}

/// Immich's `replaceTemplateTags`: every `{name}` becomes its value; a tag with no value (or an
/// empty one) stays as written.
fn replace_tags(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let name = &after[..close];
        match vars.iter().find(|(k, v)| *k == name && !v.is_empty()) {
            Some((_, value)) => out.push_str(&escape(value)),
            None => {
                out.push('{');
                out.push_str(name);
                out.push('}');
            }
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The text of an admin's HTML template, for the plain-text part: tags dropped.
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_filled_in_escaped_and_unknown_ones_kept() {
        let vars = [("albumName", "Tom & <Jerry>"), ("senderName", "")];
        assert_eq!(
            replace_tags("<b>{albumName}</b> by {senderName} {nope} {open", &vars),
            "<b>Tom &amp; &lt;Jerry&gt;</b> by {senderName} {nope} {open"
        );
    }

    #[test]
    fn default_invite_names_everyone_and_links_the_album() {
        let r = album_invite("https://photos.example", "a1", "Trip <1>", "Ann", "Bob", "");
        assert!(r.html.contains("Hey <strong>Bob</strong>!"));
        assert!(
            r.html
                .contains("Ann has added you to the album <strong>Trip &lt;1&gt;</strong>.")
        );
        assert!(r.html.contains("href=\"https://photos.example/albums/a1\""));
        assert!(r.text.contains("Ann has added you to the album Trip <1>."));
        assert!(
            r.text
                .contains("View Album: https://photos.example/albums/a1")
        );
    }

    #[test]
    fn a_custom_template_replaces_the_message() {
        let r = welcome(
            "https://x",
            "Jo",
            "jo@x",
            Some("pw"),
            "<i>Hi {displayName}</i>",
        );
        assert!(r.html.contains("<div><i>Hi Jo</i></div>"));
        assert!(!r.html.contains("A new account has been created"));
        assert!(r.text.starts_with("Hi Jo"));
        let r = welcome("https://x", "Jo", "jo@x", None, "");
        assert!(r.html.contains("<strong>Username</strong>: jo@x"));
        assert!(!r.html.contains("Password"));
    }
}
