// A text document from the API (rendered iPXE, unattended file, console log), fetched when asked.
import { useState } from 'preact/hooks';
import { get } from '../api';
import { ErrorMsg } from './ui';

export function TextPanel({ label, path }: { label: string; path: string }) {
  const [open, setOpen] = useState(false);
  const [text, setText] = useState<string | undefined>();
  const [error, setError] = useState<unknown>();
  const load = async () => {
    setError(undefined);
    try {
      const t = await get<unknown>(path, { text: true });
      setText(typeof t === 'string' ? t : JSON.stringify(t, null, 2));
    } catch (e) {
      setError(e);
    }
  };
  return (
    <details
      class="textpanel"
      open={open}
      onToggle={(e) => {
        const o = (e.currentTarget as HTMLDetailsElement).open;
        setOpen(o);
        if (o && text === undefined) void load();
      }}
    >
      <summary>{label}</summary>
      <ErrorMsg error={error} />
      {text !== undefined ? (
        <>
          <button onClick={() => void load()}>Refresh</button>
          <pre tabIndex={0}>{text || '(empty)'}</pre>
        </>
      ) : null}
    </details>
  );
}
