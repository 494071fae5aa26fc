//! The Notes cell's Markdown, rendered to HTML: headings (`#` to `###`), paragraphs,
//! `-`/`*` lists, fenced code blocks, `code`, **bold** and *emphasis*. Everything the
//! user typed is escaped first, so a note can never inject markup, a script or a link
//! that leaves the page: there are no links and no images.

use lockstep_core::report::export::format::xml_escape;

/// Inline spans of one escaped line: `code`, **bold**, *emphasis*.
fn inline(text: &str) -> String {
    let escaped = xml_escape(text);
    let mut out = String::new();
    let mut rest = escaped.as_str();
    while !rest.is_empty() {
        let (marker, tag) = if rest.starts_with('`') {
            ("`", "code")
        } else if rest.starts_with("**") {
            ("**", "strong")
        } else if rest.starts_with('*') {
            ("*", "em")
        } else {
            let next = rest.find(['`', '*']).unwrap_or(rest.len());
            let next = if next == 0 { 1 } else { next };
            out.push_str(&rest[..next]);
            rest = &rest[next..];
            continue;
        };
        let body = &rest[marker.len()..];
        match body.find(marker) {
            Some(end)
                if end > 0
                    && !body[..end].starts_with(char::is_whitespace)
                    && !body[..end].ends_with(char::is_whitespace) =>
            {
                let inner = &body[..end];
                out.push_str(&format!("<{tag}>{inner}</{tag}>"));
                rest = &body[end + marker.len()..];
            }
            _ => {
                out.push_str(marker);
                rest = body;
            }
        }
    }
    out
}

/// The note as HTML.
pub fn to_html(markdown: &str) -> String {
    let mut out = String::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let mut list = false;
    let mut code: Option<Vec<&str>> = None;
    let flush = |out: &mut String, paragraph: &mut Vec<&str>| {
        if !paragraph.is_empty() {
            let lines: Vec<String> = paragraph.iter().map(|l| inline(l)).collect();
            out.push_str(&format!("<p>{}</p>", lines.join(" ")));
            paragraph.clear();
        }
    };
    for line in markdown.lines() {
        if let Some(block) = &mut code {
            if line.trim_start().starts_with("```") {
                out.push_str(&format!(
                    "<pre><code>{}</code></pre>",
                    xml_escape(&block.join("\n"))
                ));
                code = None;
            } else {
                block.push(line);
            }
            continue;
        }
        let trimmed = line.trim();
        let item = trimmed
            .strip_prefix("- ")
            .or_else(|| trimmed.strip_prefix("* "));
        if list && item.is_none() {
            out.push_str("</ul>");
            list = false;
        }
        if trimmed.starts_with("```") {
            flush(&mut out, &mut paragraph);
            code = Some(Vec::new());
        } else if trimmed.is_empty() {
            flush(&mut out, &mut paragraph);
        } else if let Some(item) = item {
            flush(&mut out, &mut paragraph);
            if !list {
                out.push_str("<ul>");
                list = true;
            }
            out.push_str(&format!("<li>{}</li>", inline(item)));
        } else if let Some((level, title)) = heading(trimmed) {
            flush(&mut out, &mut paragraph);
            out.push_str(&format!("<h{level}>{}</h{level}>", inline(title)));
        } else {
            paragraph.push(trimmed);
        }
    }
    flush(&mut out, &mut paragraph);
    if list {
        out.push_str("</ul>");
    }
    if let Some(block) = code {
        out.push_str(&format!(
            "<pre><code>{}</code></pre>",
            xml_escape(&block.join("\n"))
        ));
    }
    out
}

/// `# Title` → (3, "Title") … `### Title` → (5, …): headings sit below the cell's own.
fn heading(line: &str) -> Option<(usize, &str)> {
    let hashes = line.chars().take_while(|c| *c == '#').count();
    let title = line[hashes..].strip_prefix(' ')?;
    (1..=3).contains(&hashes).then_some((hashes + 2, title))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_and_spans() {
        let html = to_html(
            "# Findings\nThe **champion** wins\non `roc_auc`.\n\n- one\n- *two*\n\n```\na < b\n```\n",
        );
        assert_eq!(
            html,
            "<h3>Findings</h3><p>The <strong>champion</strong> wins on <code>roc_auc</code>.</p>\
             <ul><li>one</li><li><em>two</em></li></ul><pre><code>a &lt; b</code></pre>"
        );
    }

    #[test]
    fn markup_is_escaped_never_rendered() {
        let html = to_html("<script>alert(1)</script> <img src=x onerror=y> [a](http://x)");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("href"), "{html}");
        assert_eq!(to_html("a * b ** c `"), "<p>a * b ** c `</p>");
    }
}
