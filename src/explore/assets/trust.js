// The Trust page: every signature and attestation of an image (and of each manifest of an index),
// and, when the explorer was given keys or a policy, whether each verifies and why not.

import { enc, getJson, h, short, show } from './dom.js';

function verdict(check) {
  return check.verified
    ? h('span', { class: 'badge ok', 'data-verified': 'true' }, `✓ verified by ${check.key}`)
    : h(
        'span',
        { class: 'badge bad', 'data-verified': 'false', title: check.message ?? '' },
        `✗ ${check.key}: ${check.reason ?? 'not verified'}`,
      );
}

function signatureRow(id, s) {
  const what = [];
  if (s.predicateType) what.push(h('div', {}, h('span', { class: 'muted' }, 'predicate '), s.predicateType));
  if (s.identity) what.push(h('div', {}, h('span', { class: 'muted' }, 'identity '), s.identity));
  if (s.error) what.push(h('div', { class: 'error' }, `${s.error.code}: ${s.error.message}`));
  const source = s.referrer
    ? h(
        'a',
        { href: `#/doc/${enc(id)}/${enc(s.referrer)}`, class: 'digest' },
        `referrer ${short(s.referrer)}`,
      )
    : h('span', { class: 'digest' }, s.source);
  return h(
    'tr',
    { class: 'signature', 'data-kind': s.kind },
    h('td', {}, s.kind),
    h('td', { class: 'nowrap' }, s.scheme),
    h('td', {}, source, what),
    h(
      'td',
      { class: 'checks' },
      s.keys.length === 0 ? h('span', { class: 'muted' }, 'not checked') : null,
      s.keys.map((k) =>
        h(
          'div',
          { class: 'check' },
          verdict(k),
          k.verified ? null : h('div', { class: 'muted why' }, k.message ?? ''),
        ),
      ),
    ),
  );
}

function policyBlock(p) {
  if (!p) return null;
  return h(
    'div',
    { class: `policy ${p.accepted ? 'ok' : 'bad'}`, 'data-accepted': String(p.accepted) },
    h('strong', {}, p.accepted ? `✓ accepted by ${p.policy}` : `✗ rejected by ${p.policy}`),
    p.reasons?.length
      ? h(
          'ul',
          {},
          p.reasons.map((r) => h('li', {}, r)),
        )
      : p.message
        ? h('p', {}, p.message)
        : null,
  );
}

export async function trust(id) {
  const report = await getJson(`images/${enc(id)}/trust`);
  const checked = [];
  if (report.keys.length) checked.push(`keys: ${report.keys.join(', ')}`);
  if (report.policy) checked.push(`policy: ${report.policy}`);
  show(
    h('h1', {}, 'Trust'),
    h('p', {}, h('a', { href: `#/image/${enc(id)}` }, '← DAG')),
    h(
      'p',
      { class: 'muted', id: 'checked-with' },
      checked.length
        ? `Checked with ${checked.join('; ')}.`
        : 'Signatures are listed, not checked: start the explorer with --key or --policy to verify them.',
    ),
    ...report.subjects.map((subject) =>
      h(
        'section',
        { class: 'subject', 'data-digest': subject.digest },
        h(
          'h2',
          {},
          h('a', { href: `#/doc/${enc(id)}/${enc(subject.digest)}`, class: 'digest' }, subject.digest),
          subject.platform ? h('span', { class: 'platform' }, subject.platform) : null,
        ),
        policyBlock(subject.policy),
        subject.signatures.length === 0
          ? h('p', { class: 'muted' }, 'no signatures or attestations')
          : h(
              'table',
              { class: 'signatures' },
              h(
                'tr',
                {},
                ['kind', 'stored as', 'where', 'verification'].map((t) => h('th', {}, t)),
              ),
              subject.signatures.map((s) => signatureRow(id, s)),
            ),
      ),
    ),
  );
}
