/** The portal shell: sign-in for visitors; for a signed-in user, the views of their role. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ADJUSTER_VIEWS } from './adjuster';
import { ADMIN_VIEWS } from './admin';
import { BILLING_VIEWS } from './billing';
import { BreakGlassNotice } from './break-glass';
import { act, answer, api } from './client';
import { DOCTOR_VIEWS } from './doctor';
import { LABTECH_VIEWS } from './lab';
import { follow } from './live';
import { PATIENT_VIEWS } from './patient';
import { href, replaceRoute, route } from './route';
import { Activate, SignIn } from './signin';
import { highestBlock, live, notice, problem, session, signOutLocally } from './state';
import { StatusArea } from './ui';

type Views = Record<string, { label: string; view: () => preact.JSX.Element }>;

/** The views of each role's portal so far; the other roles use the API until theirs are built. */
const VIEWS: Partial<Record<string, Views>> = {
  patient: PATIENT_VIEWS,
  doctor: DOCTOR_VIEWS,
  labtech: LABTECH_VIEWS,
  billing: BILLING_VIEWS,
  adjuster: ADJUSTER_VIEWS,
  admin: ADMIN_VIEWS,
};

/** What a role is told at once, above whatever view they are on. */
const NOTICES: Partial<Record<string, () => preact.JSX.Element>> = {
  patient: BreakGlassNotice,
};

function Visitor() {
  const [activating, setActivating] = useState(false);
  const [username, setUsername] = useState('');
  if (activating)
    return (
      <Activate
        onDone={(name) => {
          setUsername(name);
          setActivating(false);
        }}
      />
    );
  return (
    <SignIn
      key={username}
      username={username}
      onActivate={() => {
        notice.value = undefined;
        problem.value = undefined;
        setActivating(true);
      }}
    />
  );
}

function RolePortal({ views }: { views: Views }) {
  const names = Object.keys(views);
  const current = route.value in views ? route.value : (names[0] ?? '');
  const main = useRef<HTMLElement>(null);
  const shown = useRef<string | undefined>(undefined);
  useEffect(() => {
    // An address naming no view of this role (none yet, or another role's): name the first one.
    if (current !== route.value) replaceRoute(current);
  }, [current]);
  useEffect(() => {
    // A keyboard or screen reader user lands at the start of the view they chose (not at the
    // top of the page again); the view shown first after sign-in gets focus too.
    if (shown.current !== current) main.current?.focus();
    shown.current = current;
  }, [current]);
  const View = views[current]?.view;
  return (
    <>
      <nav aria-label="Portal">
        <ul>
          {names.map((name) => (
            <li key={name}>
              <a href={href(name)} aria-current={name === current ? 'page' : undefined}>
                {views[name]?.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <StatusArea />
      <main ref={main} tabIndex={-1}>
        {View && <View />}
      </main>
    </>
  );
}

function SignedIn() {
  const me = session.value?.me;
  const token = session.value?.token;
  useEffect(() => {
    if (!token) return undefined;
    const stop = new AbortController();
    void follow(token, stop.signal);
    return () => {
      stop.abort();
    };
  }, [token]);
  if (!me) return null;
  const views = VIEWS[me.role];
  const Notices = NOTICES[me.role];
  const signOut = async () => {
    await act('Signing out…', () => answer(api.DELETE('/v1/sessions/current')));
    signOutLocally();
  };
  return (
    <>
      <header class="bar">
        <h1>EHR portal</h1>
        <p class="who">
          {me.username} · <span class="role">{me.role}</span>
          {me.attrs['ehr.patientId'] && (
            <>
              {' '}
              · your patient id <code class="patient-id">{me.attrs['ehr.patientId']}</code>
            </>
          )}
        </p>
        <p class="live" aria-live="polite">
          Live updates: {live.value}
          {highestBlock.value !== undefined && ` · block ${String(highestBlock.value)}`}
        </p>
        <button type="button" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      {Notices && <Notices />}
      {views ? (
        <RolePortal views={views} />
      ) : (
        <main>
          <StatusArea />
          <p>
            The {me.role} portal is not built yet. Everything a {me.role} does is in the API: see{' '}
            <a href="/docs">the API documentation</a>.
          </p>
        </main>
      )}
    </>
  );
}

export function App() {
  if (session.value) return <SignedIn />;
  return (
    <>
      <header class="bar">
        <h1>EHR portal</h1>
      </header>
      <main>
        <StatusArea />
        <Visitor />
      </main>
    </>
  );
}
