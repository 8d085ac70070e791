// The rule table cites a source for every rule, and names keys the configuration reference documents.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVICE_RULES } from '../../config/rules/table';

const reference = readFileSync(join(__dirname, '../../docs/CONFIGURATION.md'), 'utf8');

test.each(SERVICE_RULES.map((rule) => [`${rule.key} → ${rule.target}`, rule] as const))('%s', (_name, rule) => {
  expect(rule.source).toMatch(/^https:\/\/(docs\.aws\.amazon\.com|auth0\.com)\//);
  expect(rule.rule.length).toBeGreaterThan(5);
  const firstKey = rule.key.replace(/^[\w.]+: /, '').split(/[ ,.]/)[0]!.replace(/\*$/, '');
  expect(reference).toContain(`\`${firstKey}`);
});
