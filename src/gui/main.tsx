// Entry point: styles, the app, the event stream.
import { render } from 'preact';
import './style.css';
import { App } from './app';

const root = document.getElementById('app')!;
// Preact renders next to existing children: drop the "Loading…" placeholder first.
root.textContent = '';
render(<App />, root);
