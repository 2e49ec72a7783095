// Small shared pieces: state badges, error and status messages, loading, an action button
// that confirms destructive actions inline and shows the API's answer.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api';

export function Badge({ state }: { state: string | null | undefined }) {
  return <span class={`badge st-${state ?? 'unknown'}`}>{state ?? 'unknown'}</span>;
}

export function ErrorMsg({ error }: { error: unknown }) {
  if (!error) return null;
  const msg = error instanceof Error ? error.message : String(error);
  return (
    <p class="msg error" role="alert">
      {msg}
    </p>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="muted" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" /> Loading {what}…
    </p>
  );
}

export function Section({ title, children, id }: { title: string; children: ComponentChildren; id?: string }) {
  return (
    <section class="card" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}

/** Loads `fn` when `deps` change; `reload()` runs it again. */
export function useLoad<T>(fn: () => Promise<T>, deps: unknown[]): { data: T | undefined; error: unknown; loading: boolean; reload: () => void } {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({ data: undefined, error: undefined, loading: true });
  const [n, setN] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    fn().then(
      (data) => live && setState({ data, error: undefined, loading: false }),
      (error) => live && setState((s) => ({ data: s.data, error, loading: false })),
    );
    return () => {
      live = false;
    };
  }, [...deps, n]);
  return { ...state, reload: () => setN((x) => x + 1) };
}

export interface ActionProps {
  label: string;
  /** Destructive: asks first, inline (a real button pair, keyboard-usable). */
  confirm?: string;
  run: () => Promise<unknown>;
  /** Turns the API's answer into a line for the operator. */
  describe?: (answer: any) => string;
  disabled?: boolean;
  kind?: 'danger' | 'primary';
  /** Hand the outcome to the parent (one result line for a group of buttons) instead of showing it here. */
  onResult?: (r: ActionResult | undefined) => void;
}

export interface ActionResult {
  ok: boolean;
  text: string;
}

export function ActionResultLine({ result }: { result: ActionResult | undefined }) {
  if (!result) return null;
  return (
    <p class={`msg ${result.ok ? 'ok' : 'error'}`} role={result.ok ? 'status' : 'alert'} data-testid="action-result">
      {result.text}
    </p>
  );
}

export function ActionButton({ label, confirm, run, describe, disabled, kind, onResult }: ActionProps) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [own, setOwn] = useState<ActionResult | undefined>();
  const setResult = onResult ?? setOwn;
  const result = onResult ? undefined : own;
  const go = async () => {
    setAsking(false);
    setBusy(true);
    setResult(undefined);
    try {
      const answer = await run();
      setResult({ ok: true, text: describe ? describe(answer) : `${label}: done` });
    } catch (e) {
      setResult({ ok: false, text: `${label} failed: ${e instanceof ApiError || e instanceof Error ? e.message : String(e)}` });
    } finally {
      setBusy(false);
    }
  };
  return (
    <span class="action">
      {asking ? (
        <span class="confirm" role="group" aria-label={`Confirm ${label}`}>
          <span>{confirm}</span>
          <button class="danger" onClick={go} autoFocus>
            Yes, {label.toLowerCase()}
          </button>
          <button onClick={() => setAsking(false)}>Cancel</button>
        </span>
      ) : (
        <button class={kind ?? ''} disabled={disabled || busy} aria-busy={busy} onClick={() => (confirm ? setAsking(true) : void go())}>
          {busy ? <span class="spinner" aria-hidden="true" /> : null}
          {label}
        </button>
      )}
      {result ? (
        <span class={`msg ${result.ok ? 'ok' : 'error'}`} role={result.ok ? 'status' : 'alert'} data-testid="action-result">
          {result.text}
        </span>
      ) : null}
    </span>
  );
}
