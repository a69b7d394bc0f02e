/**
 * Which view of the portal is shown, as the URL's hash (`#/appointments`): each view has its own
 * address, so the back button, a bookmark and a reload (after signing in again: the session is
 * kept in memory only) bring the person back to the same view. A hash, not a path, because the
 * gateway serves the page at `/` only and the hash never reaches it (nor its logs).
 */
import { signal } from '@preact/signals';

const fromHash = () => decodeURIComponent(window.location.hash.replace(/^#\/?/, ''));

/** The view named in the URL ('' when none). */
export const route = signal(fromHash());

// Back and Forward between two views fire popstate and then hashchange; either one names the
// view (a signal set to the value it has changes nothing).
const follow = () => {
  route.value = fromHash();
};
window.addEventListener('hashchange', follow);
window.addEventListener('popstate', follow);

/** The address of a view, for links. */
export const href = (view: string) => `#/${encodeURIComponent(view)}`;

/**
 * Names `view` in the URL without a new history entry: the portal's own correction of an address
 * that names no view of the person's role (Back then skips it).
 */
export function replaceRoute(view: string): void {
  window.history.replaceState(window.history.state, '', href(view));
  route.value = view;
}
