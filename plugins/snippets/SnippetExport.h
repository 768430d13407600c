// GET /api/v1/snippets/export documents: every listed snippet in one markdown or HTML file.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "SnippetStore.h"

namespace hub::plugins::snippets {

/// The heading a snippet gets in exports: its title, else "source_type: source_name".
std::string exportHeading(const Snippet& s);

/**
 * One markdown document: a `# Snippets` heading, then per snippet a `## heading`, a line with
 * source, tags and dates, the content as written, and a `---` rule between snippets.
 */
std::string exportMarkdown(const std::vector<Snippet>& snippets);

/**
 * A complete HTML5 document (UTF-8, inline style, no scripts) with one <article> per snippet:
 * escaped heading and details, then the rendered body. `html(s)` gives the body of `s` (its
 * stored content_html, or a fresh render for rows that have none).
 */
std::string exportHtml(const std::vector<Snippet>& snippets,
                       const std::function<std::string(const Snippet&)>& html);

}  // namespace hub::plugins::snippets
