import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';

const ROOT = path.resolve(__dirname, '..', '..');
const DOC = path.join(ROOT, 'docs', 'SECURITY.md');

/** A test named by the review: `- \`test/x.test.ts\`: “title”; “title”`. */
interface TestReference {
  file: string;
  title: string;
}

function references(markdown: string): TestReference[] {
  const found: TestReference[] = [];
  for (const line of markdown.split('\n')) {
    const file = /^- `(test\/[\w/.-]+\.test\.ts)`:/.exec(line)?.[1];
    if (!file) continue;
    for (const [, title] of line.matchAll(/“([^”]+)”/g)) found.push({ file, title });
  }
  return found;
}

/** The `it(...)` titles of a test file as written in its source (quotes of any kind, templates included). */
function titlesIn(source: string): Set<string> {
  const titles = new Set<string>();
  for (const [, , title] of source.matchAll(/\bit\(\s*(['"`])((?:(?!\1)[^\\]|\\.)*)\1/g)) {
    titles.add(title.replace(/\\(['"`])/g, '$1'));
  }
  return titles;
}

describe('docs/SECURITY.md', () => {
  const markdown = readFileSync(DOC, 'utf8');

  it('reviews each of the ten OWASP API Security 2023 risks', () => {
    for (let n = 1; n <= 10; n += 1) expect(markdown).to.match(new RegExp(`^## API${n}:2023 `, 'm'));
  });

  it('names only tests that exist, by file and it(...) title', () => {
    const named = references(markdown);
    expect(named.length).to.be.greaterThan(40);
    const missing: string[] = [];
    for (const { file, title } of named) {
      const full = path.join(ROOT, file);
      if (!existsSync(full) || !titlesIn(readFileSync(full, 'utf8')).has(title))
        missing.push(`${file}: ${title}`);
    }
    expect(missing).to.deep.equal([]);
  });

  it('names at least one test for every risk', () => {
    const sections = markdown.split(/^## /m).filter((s) => /^API\d+:2023/.test(s));
    expect(sections).to.have.length(10);
    for (const section of sections) {
      expect(references(section).length, section.split('\n')[0]).to.be.greaterThan(0);
    }
  });
});
