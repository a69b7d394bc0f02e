/**
 * The protocol's own rules: roles by member kind (SPEC §2), refusal codes read from a peer's
 * error text, and the guards the gateways read ledger answers through.
 */
import { guards, parseRefusal, ProtocolError, ROLE_ISSUERS, ROLES, ROLES_BY_KIND } from '@ehr/protocol';

const CONSENT = {
  consentId: 'CON-1',
  patientId: 'PAT-1',
  grantee: { mspId: 'HospitalBMSP' },
  categories: ['diagnosis', 'imaging'],
  purpose: 'treatment',
  validFrom: '2026-01-01T00:00:00.000Z',
  validUntil: '2026-12-01T00:00:00.000Z',
  status: 'active',
  createdAt: '2026-01-01T00:00:00.000Z',
};

describe('roles of each kind of member', () => {
  it('gives hospitals patients, doctors and billing, labs lab technicians, insurers adjusters, and each an admin', () => {
    expect(ROLES_BY_KIND).toEqual({
      hospital: ['patient', 'doctor', 'billing', 'admin'],
      lab: ['labtech', 'admin'],
      insurer: ['adjuster', 'admin'],
    });
  });

  it('has every role but admin issued by exactly one kind of member', () => {
    for (const role of ROLES.filter((r) => r !== 'admin')) {
      const kinds = Object.entries(ROLES_BY_KIND).filter(([, roles]) => roles.includes(role));
      expect(kinds.map(([kind]) => kind)).toEqual([ROLE_ISSUERS[role]]);
    }
  });
});

describe('refusal codes in error text', () => {
  it('reads the code and message a peer wrapped', () => {
    expect(parseRefusal('chaincode response 500, NOT_FOUND: record REC-1 does not exist')).toEqual({
      code: 'NOT_FOUND',
      message: 'record REC-1 does not exist',
    });
    expect(parseRefusal('CONSENT_EXPIRED: the consent has expired')?.code).toBe('CONSENT_EXPIRED');
  });

  it('takes no unknown code, and no code inside a longer word, for one', () => {
    expect(parseRefusal('chaincode response 500, SOMETHING_ELSE: broke')).toBeUndefined();
    expect(parseRefusal('XNOT_FOUND: no')).toBeUndefined();
    expect(parseRefusal('failed to endorse transaction')).toBeUndefined();
  });

  it('takes the first refusal when the text holds two', () => {
    expect(parseRefusal('a, FORBIDDEN: only a doctor; NOT_FOUND: later')?.code).toBe('FORBIDDEN');
  });
});

describe('guards of ledger answers', () => {
  it('answers a well-formed object as it is, with fields the protocol does not name kept', () => {
    const answer = { ...CONSENT, addedLater: 1 };
    expect(guards.consent(answer)).toBe(answer);
    expect(guards.consent({ ...CONSENT, revokedAt: '2026-02-01T00:00:00.000Z', status: 'revoked' }).status).toBe(
      'revoked',
    );
  });

  it('names the first field that is missing, of another type or outside its vocabulary', () => {
    const noPurpose: Record<string, unknown> = { ...CONSENT };
    delete noPurpose.purpose;
    expect(() => guards.consent(noPurpose, 'consent.Grant')).toThrow(
      new ProtocolError('consent.Grant.purpose', 'one of treatment, insurance-claim, research, second-opinion'),
    );
    expect(() => guards.consent({ ...CONSENT, categories: ['diagnosis', 'astrology'] })).toThrow(
      /answer\.categories\[1\] must be one of allergy/,
    );
    expect(() => guards.consent({ ...CONSENT, grantee: { mspId: 7 } })).toThrow(
      /answer\.grantee\.mspId must be a string/,
    );
    expect(() => guards.consent({ ...CONSENT, revokedAt: null })).toThrow(/answer\.revokedAt must be a string/);
    expect(() => guards.consent([CONSENT])).toThrow(/answer must be an object/);
  });

  it('checks every item of a page and its bookmark', () => {
    const page = guards.pageOf(guards.consent);
    expect(page({ items: [CONSENT], bookmark: '' }).items).toHaveLength(1);
    expect(() => page({ items: [CONSENT, { consentId: 'CON-2' }], bookmark: '' })).toThrow(/answer\.items\[1\]\./);
    expect(() => page({ items: [] })).toThrow(/answer\.bookmark must be a string/);
  });

  it('tells a member kind in effect from a proposal', () => {
    const inEffect = { mspId: 'LabMSP', kind: 'lab', approvedBy: ['HospitalAMSP'], approvedAt: 't' };
    const proposal = { mspId: 'LabMSP', kind: 'lab', proposedAt: 't', approvals: [{ mspId: 'A', approvedAt: 't' }] };
    expect(guards.kindDecision(inEffect)).toBe(inEffect);
    expect(guards.kindDecision(proposal)).toBe(proposal);
    expect(() => guards.kindDecision({ mspId: 'LabMSP', kind: 'lab' })).toThrow(ProtocolError);
  });

  it('accepts nothing only from transactions that answer nothing', () => {
    expect(() => {
      guards.nothing(undefined);
    }).not.toThrow();
    expect(() => {
      guards.nothing({});
    }).toThrow(/answer must be empty/);
  });

  it('keeps policy coverage to record categories', () => {
    const policy = {
      policyId: 'POL-1',
      insurer: 'InsurerMSP',
      patientId: 'PAT-1',
      plan: 'basic',
      coverage: { diagnosis: 80 },
      copayPercent: 10,
      annualLimit: 100_000,
      validFrom: 't',
      validUntil: 't',
      status: 'active',
      updatedAt: 't',
    };
    expect(guards.policy(policy)).toBe(policy);
    expect(() => guards.policy({ ...policy, coverage: { dentistry: 50 } })).toThrow(/coverage key dentistry/);
    expect(() => guards.policy({ ...policy, coverage: { diagnosis: 0.5 } })).toThrow(
      /coverage\.diagnosis must be an integer/,
    );
  });
});
