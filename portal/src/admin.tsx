/**
 * The member admin's portal: the member's people (invite, disable, enable, reset an
 * authenticator), its beds and profile in the consortium's directory, and its nodes' health.
 * Break-glass reviews and erasure approvals are in break-glass.tsx and erasure.tsx.
 */
import { ROLES, type Role } from '@ehr/protocol';
import { useEffect, useState } from 'preact/hooks';
import type { components } from './api';
import { act, answer, api } from './client';
import { BREAK_GLASS_REVIEW_VIEWS } from './break-glass';
import { ERASURE_APPROVAL_VIEWS } from './erasure';
import { notice, session } from './state';
import { type Column, DataTable, field, inBlock, useRereads, when, TextField, TextArea } from './ui';

type UserSummary = components['schemas']['UserSummary'];
type Invitation = components['schemas']['Invitation'];
type FreeBeds = components['schemas']['FreeBeds'];
type MemberHealth = components['schemas']['MemberHealth'];

const PRACTITIONERS: readonly Role[] = ['doctor', 'labtech'];

/** What the person needs besides their code, which went to them and never to an admin. */
function HandOver({ invited }: { invited: Invitation }) {
  return (
    <section class="card" aria-labelledby="handover-title">
      <h3 id="handover-title">What to hand over to {invited.username}</h3>
      <dl>
        <dt>Username</dt>
        <dd>
          <code>{invited.username}</code>
        </dd>
        {invited.patientId && (
          <>
            <dt>Patient id</dt>
            <dd>
              <code>{invited.patientId}</code>
            </dd>
          </>
        )}
        {invited.practitionerId && (
          <>
            <dt>Practitioner id</dt>
            <dd>
              <code>{invited.practitionerId}</code>
            </dd>
          </>
        )}
        <dt>Where to sign up</dt>
        <dd>
          <code>{window.location.origin}</code>, "Activate your account"
        </dd>
        <dt>Enrolment code</dt>
        <dd>
          sent to them through <strong>{invited.codeSentVia}</strong>, valid until {when(invited.expiresAt)}. It is
          never shown to an admin: whoever holds it can set the password and act as {invited.username}.
        </dd>
      </dl>
    </section>
  );
}

function InviteForm({ onInvited }: { onInvited: (invited: Invitation) => void }) {
  const [username, setUsername] = useState('');
  const [role, setRole] = useState<Role>('doctor');
  const [name, setName] = useState('');
  const [dateOfBirth, setDateOfBirth] = useState('');
  const [licenceNo, setLicenceNo] = useState('');
  const [specialty, setSpecialty] = useState('');
  const invite = async (e: Event) => {
    e.preventDefault();
    const details =
      role === 'patient'
        ? { demographics: { name: name.trim(), dateOfBirth } }
        : PRACTITIONERS.includes(role)
          ? {
              practitioner: {
                licenceNo: licenceNo.trim(),
                ...(specialty.trim() ? { specialty: specialty.trim() } : {}),
              },
            }
          : {};
    const invited = await act(`Inviting ${username}: registering them on the ledger and at the CA…`, () =>
      answer(api.POST('/v1/users', { body: { username: username.trim(), role, ...details } })),
    );
    if (!invited) return;
    const ids = invited.patientId ? ` (patient id ${invited.patientId})` : '';
    notice.value = `Invited ${invited.username} as ${invited.role}${ids}: enrolment code sent via ${invited.codeSentVia}; ${inBlock(invited)}.`;
    setUsername('');
    setName('');
    setDateOfBirth('');
    setLicenceNo('');
    setSpecialty('');
    onInvited(invited);
  };
  return (
    <form onSubmit={(e) => void invite(e)} class="card" aria-labelledby="invite-title">
      <h3 id="invite-title">Register a person</h3>
      <TextField
        id="invite-username"
        label="Username (lower case, 3 to 64 characters)"
        value={username}
        onValue={setUsername}
        autocomplete="off"
      />
      <label for="invite-role">Role</label>
      <select
        id="invite-role"
        value={role}
        onChange={(e) => {
          setRole(field(e) as Role);
        }}
      >
        {ROLES.map((r) => (
          <option key={r} value={r}>
            {r}
          </option>
        ))}
      </select>
      {role === 'patient' && (
        <>
          <TextField id="invite-name" label="Full name (kept by this member only)" value={name} onValue={setName} />
          <TextField id="invite-dob" label="Date of birth" value={dateOfBirth} onValue={setDateOfBirth} type="date" />
        </>
      )}
      {PRACTITIONERS.includes(role) && (
        <>
          <TextField id="invite-licence" label="Licence number" value={licenceNo} onValue={setLicenceNo} />
          <TextField
            id="invite-specialty"
            label="Specialty (optional)"
            value={specialty}
            onValue={setSpecialty}
            required={false}
          />
        </>
      )}
      <button type="submit">Register and invite</button>
    </form>
  );
}

function UserActions({ user, onChanged }: { user: UserSummary; onChanged: () => void }) {
  const me = session.value?.me.username;
  const change = async (action: 'disable' | 'enable', doing: string, done: string) => {
    const params = { path: { username: user.username } };
    const changed = await act(doing, () =>
      answer(
        action === 'disable'
          ? api.POST('/v1/users/{username}/disable', { params })
          : api.POST('/v1/users/{username}/enable', { params }),
      ),
    );
    if (!changed) return;
    notice.value = `${user.username} ${done}: now ${changed.status}.`;
    onChanged();
  };
  const resetTotp = async () => {
    const sent = await act(`Resetting the authenticator of ${user.username}…`, () =>
      answer(api.POST('/v1/users/{username}/totp-reset', { params: { path: { username: user.username } } })),
    );
    if (!sent) return;
    notice.value = `${user.username} must sign up again: a new enrolment code was sent via ${sent.codeSentVia}, valid until ${when(sent.expiresAt)}; their tokens stopped working.`;
    onChanged();
  };
  if (user.username === me) return <span>you</span>;
  return (
    <div class="actions">
      {user.status === 'disabled' || user.lockedOut ? (
        <button
          type="button"
          onClick={() => void change('enable', `Enabling ${user.username}…`, 'enabled')}
          aria-label={`Enable ${user.username}`}
        >
          Enable
        </button>
      ) : null}
      {user.status !== 'disabled' && (
        <button
          type="button"
          class="danger"
          onClick={() => void change('disable', `Disabling ${user.username}…`, 'disabled')}
          aria-label={`Disable ${user.username}`}
        >
          Disable
        </button>
      )}
      {(user.status === 'active' || user.status === 'totp-pending') && (
        <button
          type="button"
          onClick={() => void resetTotp()}
          aria-label={`Reset the authenticator of ${user.username}`}
        >
          Reset authenticator
        </button>
      )}
    </div>
  );
}

const USER_COLUMNS: Column<UserSummary>[] = [
  { header: 'Username', cell: (user) => user.username },
  { header: 'Role', cell: (user) => user.role },
  {
    header: 'Ids',
    cell: (user) => <code>{user.attrs['ehr.patientId'] ?? user.attrs['ehr.practitionerId'] ?? ''}</code>,
  },
  {
    header: 'Status',
    cell: (user) => (
      <>
        {user.status}
        {user.lockedOut ? ' (locked out)' : ''}
      </>
    ),
    class: 'user-status',
  },
  {
    header: 'Invited',
    cell: (user) => (
      <>
        {when(user.createdAt)} by {user.createdBy}
      </>
    ),
  },
];

function People() {
  const [users, setUsers] = useState<UserSummary[] | undefined>(undefined);
  const [more, setMore] = useState(false);
  const [invited, setInvited] = useState<Invitation | undefined>(undefined);
  const [version, reread] = useRereads([]);
  useEffect(() => {
    void act('Loading the people…', async () => {
      const page = await answer(api.GET('/v1/users', { params: { query: { pageSize: 100 } } }));
      setUsers(page.items);
      setMore(page.bookmark !== '');
    });
  }, [version]);
  return (
    <section aria-labelledby="people-title">
      <h2 id="people-title">People</h2>
      <InviteForm
        onInvited={(person) => {
          setInvited(person);
          reread();
        }}
      />
      {invited && <HandOver invited={invited} />}
      {users && (
        <DataTable
          caption={`The member's users${more ? ' (the first 100)' : ''}`}
          columns={USER_COLUMNS}
          rows={users}
          rowKey={(user) => user.username}
          rowAttributes={(user) => ({ 'data-user': user.username })}
          actions={(user) => <UserActions user={user} onChanged={reread} />}
        />
      )}
    </section>
  );
}

function ProfileForm() {
  const [displayName, setDisplayName] = useState('');
  const [specialities, setSpecialities] = useState('');
  const publish = async (e: Event) => {
    e.preventDefault();
    const list = specialities
      .split('\n')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    const published = await act('Publishing the profile: waiting for the ledger to commit it…', () =>
      answer(api.PUT('/v1/org/profile', { body: { displayName: displayName.trim(), specialities: list } })),
    );
    if (published)
      notice.value = `Profile of ${published.mspId} published as "${published.displayName}": ${inBlock(published)}.`;
  };
  return (
    <form onSubmit={(e) => void publish(e)} class="card" aria-labelledby="profile-title">
      <h3 id="profile-title">The member's profile</h3>
      <TextField id="profile-name" label="Display name" value={displayName} onValue={setDisplayName} />
      <TextArea
        id="profile-specialities"
        label="Specialities, one a line"
        value={specialities}
        onValue={setSpecialities}
        rows={3}
        required={false}
      />
      <button type="submit">Publish the profile</button>
    </form>
  );
}

function WardForm({ onPublished }: { onPublished: () => void }) {
  const [ward, setWard] = useState('');
  const [specialty, setSpecialty] = useState('');
  const [total, setTotal] = useState('');
  const [occupied, setOccupied] = useState('');
  const publish = async (e: Event) => {
    e.preventDefault();
    const published = await act(`Publishing the beds of ${ward}: waiting for the ledger to commit them…`, () =>
      answer(
        api.PUT('/v1/beds', {
          body: { ward: ward.trim(), specialty: specialty.trim(), total: Number(total), occupied: Number(occupied) },
        }),
      ),
    );
    if (!published) return;
    notice.value = `Beds of ward ${ward.trim()} published: ${inBlock(published)}.`;
    onPublished();
  };
  const count = (id: string, label: string, value: string, set: (v: string) => void) => (
    <>
      <label for={id}>{label}</label>
      <input
        id={id}
        type="number"
        required
        min={0}
        step={1}
        inputMode="numeric"
        value={value}
        onInput={(e) => {
          set(field(e));
        }}
      />
    </>
  );
  return (
    <form onSubmit={(e) => void publish(e)} class="card" aria-labelledby="ward-title">
      <h3 id="ward-title">Beds of a ward</h3>
      <TextField id="ward-name" label="Ward" value={ward} onValue={setWard} />
      <TextField id="ward-specialty" label="Specialty" value={specialty} onValue={setSpecialty} />
      {count('ward-total', 'Beds in total', total, setTotal)}
      {count('ward-occupied', 'Beds occupied', occupied, setOccupied)}
      <button type="submit">Publish the beds</button>
    </form>
  );
}

const BED_COLUMNS: Column<FreeBeds>[] = [
  {
    header: 'Hospital',
    cell: (b) => (
      <>
        {b.hospital} ({b.mspId})
      </>
    ),
  },
  { header: 'Ward', cell: (b) => b.ward },
  { header: 'Specialty', cell: (b) => b.specialty },
  { header: 'Free', cell: (b) => b.free, class: 'free-beds' },
];

function BedsAndProfile() {
  const [beds, setBeds] = useState<FreeBeds[] | undefined>(undefined);
  const [version, reread] = useRereads([]);
  useEffect(() => {
    void act('Loading the free beds…', async () => {
      setBeds(await answer(api.GET('/v1/beds')));
    });
  }, [version]);
  return (
    <section aria-labelledby="beds-title">
      <h2 id="beds-title">Beds and profile</h2>
      <ProfileForm />
      <WardForm onPublished={reread} />
      {beds && (
        <DataTable
          caption="Free beds across the consortium"
          columns={BED_COLUMNS}
          rows={beds}
          rowKey={(b) => `${b.mspId}/${b.ward}`}
          rowAttributes={(b) => ({ 'data-ward': b.ward })}
          empty="No hospital has published free beds."
        />
      )}
    </section>
  );
}

const NODE_LABELS: Record<MemberHealth['nodes'][number]['node'], string> = {
  peer: 'Peer',
  orderer: 'Orderer',
  ca: 'Certificate authority',
  stateDb: 'State database',
  chaincode: 'Chaincode server',
};

const NODE_COLUMNS: Column<MemberHealth['nodes'][number]>[] = [
  { header: 'Node', cell: (n) => NODE_LABELS[n.node] },
  { header: 'Endpoint', cell: (n) => <code>{n.endpoint}</code> },
  { header: 'Status', cell: (n) => n.status, class: 'node-status' },
  { header: 'Ledger height', cell: (n) => n.blockHeight ?? '' },
  { header: 'Detail', cell: (n) => n.detail },
];

function NodeHealth() {
  const [health, setHealth] = useState<MemberHealth | undefined>(undefined);
  const [version, reread] = useRereads([], 15_000);
  useEffect(() => {
    void act('Checking the nodes…', async () => {
      setHealth(await answer(api.GET('/v1/org/health')));
    });
  }, [version]);
  return (
    <section aria-labelledby="health-title">
      <h2 id="health-title">Node health</h2>
      <button type="button" onClick={reread}>
        Check again
      </button>
      {health && (
        <DataTable
          caption={`The member's nodes: ${health.status === 'up' ? 'all up' : 'some down'}, checked ${when(health.checkedAt)}`}
          columns={NODE_COLUMNS}
          rows={health.nodes}
          rowKey={(n) => n.node}
          rowAttributes={(n) => ({ 'data-node': n.node, class: n.status === 'down' ? 'flagged' : undefined })}
        />
      )}
    </section>
  );
}

export const ADMIN_VIEWS = {
  people: { label: 'People', view: People },
  ...BREAK_GLASS_REVIEW_VIEWS,
  ...ERASURE_APPROVAL_VIEWS,
  beds: { label: 'Beds and profile', view: BedsAndProfile },
  health: { label: 'Node health', view: NodeHealth },
} as const;
