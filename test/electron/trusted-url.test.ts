// The window only shows the appliance's own origin: a table of misleading URLs that must all be
// rejected (the renderer is a web page; a link must not take the window elsewhere).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isExternalOpenable, isInternalUrl } from '../../electron/trusted-url.js';

const BASE = 'http://127.0.0.1:43123';

test('internal: exactly the appliance origin', () => {
  for (const u of [`${BASE}/`, `${BASE}/v1/hosts`, `${BASE}/#/hosts/h1?x=1`]) assert.equal(isInternalUrl(u, BASE), true, u);
});

test('internal: misleading URLs are rejected', () => {
  const bad = [
    'http://127.0.0.1:43124/',
    'https://127.0.0.1:43123/',
    'http://localhost:43123/',
    'http://127.0.0.1.evil.example:43123/',
    'http://evil.example/?u=http://127.0.0.1:43123/',
    'http://127.0.0.1:43123@evil.example/',
    'http://user:pass@127.0.0.1:43123/',
    'javascript:alert(1)//http://127.0.0.1:43123/',
    'file:///etc/passwd',
    'data:text/html,<script>1</script>',
    '//127.0.0.1:43123/',
    'not a url',
    '',
  ];
  for (const u of bad) assert.equal(isInternalUrl(u, BASE), false, u);
});

test('external: only plain http(s) goes to the system browser', () => {
  assert.equal(isExternalOpenable('https://ipxe.org/docs'), true);
  for (const u of ['file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'https://a:b@x.example/', 'nope']) {
    assert.equal(isExternalOpenable(u), false, u);
  }
});
