// The first-run page's script (plain JS: the page loads it as is, nothing compiles it). Talks to
// the app only through window.corralSetup (first-run-preload.cts).
const $ = (id) => document.getElementById(id);
const setup = window.corralSetup;

async function init() {
  const s = await setup.load();
  if (!s) return;
  $('settings-path').textContent = s.settingsPath;
  $('sot').value = s.sot;
  $('data').value = s.data;
  for (const i of s.interfaces) {
    const o = document.createElement('option');
    o.value = i.name;
    o.textContent = `${i.name} (${i.address})`;
    $('interface').append(o);
  }
  $('interface').value = s.interface;
  if (s.exampleSot) {
    $('use-example').hidden = false;
    $('use-example').addEventListener('click', () => ($('sot').value = s.exampleSot));
  }
  $('privilege-text').textContent = s.privileges.text;
  const note = () => $('privileges').classList.toggle('warn', $('interface').value !== '' && !s.privileges.ok);
  $('privileges').classList.toggle('ok', s.privileges.ok);
  $('interface').addEventListener('change', note);
  note();
}

for (const b of document.querySelectorAll('[data-pick]')) {
  b.addEventListener('click', async () => {
    const path = await setup.pick(b.dataset.pick);
    if (path) $(b.dataset.pick).value = path;
  });
}

$('form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  $('error').textContent = '';
  $('save').disabled = true;
  try {
    const r = await setup.save({ sot: $('sot').value, data: $('data').value, interface: $('interface').value });
    if (!r.ok) $('error').textContent = r.error;
  } finally {
    $('save').disabled = false;
  }
});

init().catch((e) => ($('error').textContent = String(e)));
