/**
 * Signing in (password + TOTP code) and the first-time activation: the enrolment code the
 * member sent, a password, then the authenticator: its secret as a QR code drawn here (no
 * outside service sees it) and as text, confirmed with its first code.
 */
import QRCode from 'qrcode';
import { useEffect, useRef, useState } from 'preact/hooks';
import { act, answer, api } from './client';
import { notice, session } from './state';
import { TextField } from './ui';

export function SignIn({ onActivate, username: given = '' }: { onActivate: () => void; username?: string }) {
  const [username, setUsername] = useState(given);
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const submit = async (e: Event) => {
    e.preventDefault();
    await act('Signing in…', async () => {
      const started = await answer(api.POST('/v1/sessions', { body: { username, password, code } }));
      // The token goes with this one request; the session is set once we know who signed in.
      const me = await answer(api.GET('/v1/me', { headers: { Authorization: `Bearer ${started.token}` } }));
      notice.value = undefined;
      session.value = { token: started.token, expiresAt: started.expiresAt, me };
    });
  };
  return (
    <section aria-labelledby="signin-title" class="card narrow">
      <h2 id="signin-title">Sign in</h2>
      <form onSubmit={(e) => void submit(e)}>
        <TextField
          id="signin-username"
          label="Username"
          value={username}
          onValue={setUsername}
          autocomplete="username"
        />
        <TextField
          id="signin-password"
          label="Password"
          value={password}
          onValue={setPassword}
          type="password"
          autocomplete="current-password"
        />
        <TextField
          id="signin-code"
          label="Code from your authenticator app"
          value={code}
          onValue={setCode}
          inputMode="numeric"
          autocomplete="one-time-code"
          pattern="[0-9]{6}"
          maxLength={6}
        />
        <button type="submit">Sign in</button>
      </form>
      <p>
        First time here?{' '}
        <button type="button" class="link" onClick={onActivate}>
          Activate your account
        </button>
      </p>
    </section>
  );
}

function QrCode({ text }: { text: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    // Drawn on a canvas: no image URL, so the CSP needs no data: images.
    if (canvas.current) void QRCode.toCanvas(canvas.current, text, { margin: 2, width: 208 });
  }, [text]);
  return <canvas ref={canvas} role="img" aria-label="QR code of your authenticator secret" />;
}

interface Enrolment {
  totpSecret: string;
  otpauthUri: string;
}

export function Activate({ onDone }: { onDone: (username: string) => void }) {
  const [username, setUsername] = useState('');
  const [enrolmentCode, setEnrolmentCode] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [enrolment, setEnrolment] = useState<Enrolment | undefined>(undefined);
  const start = async (e: Event) => {
    e.preventDefault();
    const started = await act('Setting your password…', () =>
      answer(api.POST('/v1/signup', { body: { username, enrolmentCode, password } })),
    );
    if (started) setEnrolment(started);
  };
  const confirm = async (e: Event) => {
    e.preventDefault();
    const done = await act('Confirming your authenticator…', async () => {
      await answer(api.POST('/v1/signup/totp', { body: { username, enrolmentCode, code } }));
      return true;
    });
    if (done) {
      notice.value = 'Your account is active. Sign in with your password and a new code from your authenticator.';
      onDone(username);
    }
  };
  if (enrolment)
    return (
      <section aria-labelledby="totp-title" class="card narrow">
        <h2 id="totp-title">Set up your authenticator</h2>
        <p>Scan this code with an authenticator app, or type the secret below into it.</p>
        <QrCode text={enrolment.otpauthUri} />
        <p>
          Secret:{' '}
          <code class="secret" data-secret={enrolment.totpSecret}>
            {enrolment.totpSecret}
          </code>
        </p>
        <form onSubmit={(e) => void confirm(e)}>
          <TextField
            id="totp-code"
            label="First code from the app"
            value={code}
            onValue={setCode}
            inputMode="numeric"
            autocomplete="one-time-code"
            pattern="[0-9]{6}"
            maxLength={6}
          />
          <button type="submit">Confirm</button>
        </form>
      </section>
    );
  return (
    <section aria-labelledby="activate-title" class="card narrow">
      <h2 id="activate-title">Activate your account</h2>
      <p>Use the username and the one-time enrolment code your hospital sent you.</p>
      <form onSubmit={(e) => void start(e)}>
        <TextField
          id="activate-username"
          label="Username"
          value={username}
          onValue={setUsername}
          autocomplete="username"
        />
        <TextField
          id="activate-code"
          label="Enrolment code"
          value={enrolmentCode}
          onValue={setEnrolmentCode}
          autocomplete="off"
        />
        <TextField
          id="activate-password"
          label="New password"
          value={password}
          onValue={setPassword}
          type="password"
          autocomplete="new-password"
        />
        <button type="submit">Continue</button>
      </form>
    </section>
  );
}
