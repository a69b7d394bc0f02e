/** The portal's entry point: styles and the app, mounted on the page's #app element. */
import { render } from 'preact';
import { App } from './app';
import './styles.css';

const root = document.getElementById('app');
if (root) render(<App />, root);
