import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import { contractName } from '@ehr/protocol';
import { addCareLink, getPatient, isThePatient } from './basis';
import { forbidden, notFound } from './errors';
import { type Caller, callerWithRole } from './identity';
import { canonicalJson } from './json';
import { emit, getJson, key, listPage, putJson, txTime } from './ledger';
import { createOnce, requestedId } from './requests';
import { type Consent, parseConsentGrant } from './types/consent';
import { id, parseObject } from './validate';

/** The calling patient, checked against the registry: their own id, their home member. */
async function thePatient(ctx: Context): Promise<Caller & { patientId: string }> {
  const who = await callerWithRole(ctx, 'patient');
  const patient = await getPatient(ctx, who.patientId ?? '');
  if (!isThePatient(who, patient)) throw forbidden('a patient acts only with a certificate of their home member');
  if (patient.status !== 'active') throw forbidden(`patient ${patient.patientId} was erased`);
  return { ...who, patientId: patient.patientId };
}

/** Patients grant, revoke and list their consents. Endorsed by the channel majority. */
@Info({ title: 'Consent', description: "The patient's permissions to read their records" })
export class ConsentContract extends Contract {
  constructor() {
    super(contractName('consent'));
  }

  @Transaction()
  @Returns('string')
  async Grant(ctx: Context, grantJson: string): Promise<string> {
    const who = await thePatient(ctx);
    const consent = parseConsentGrant(parseObject(grantJson, 'consent'), {
      consentId: requestedId(ctx, 'consent.Grant'),
      patientId: who.patientId,
      now: txTime(ctx),
    });
    await createOnce(ctx, 'consent', consent.consentId);
    await putJson(ctx, key(ctx, 'consent', who.patientId, consent.consentId), consent);
    const { mspId, practitionerId } = consent.grantee;
    if (practitionerId) {
      await addCareLink(ctx, { mspId, practitionerId }, who.patientId, { via: 'consent', ref: consent.consentId });
    }
    emit(ctx, 'ConsentGranted', {
      consentId: consent.consentId,
      patientId: consent.patientId,
      grantee: consent.grantee,
      categories: consent.categories,
      purpose: consent.purpose,
      validUntil: consent.validUntil,
    });
    return canonicalJson(consent);
  }

  @Transaction()
  async Revoke(ctx: Context, consentId: string): Promise<void> {
    const who = await thePatient(ctx);
    id(consentId, 'consentId');
    const consentKey = key(ctx, 'consent', who.patientId, consentId);
    const consent = await getJson<Consent>(ctx, consentKey);
    if (!consent) throw notFound(`consent ${consentId} of patient ${who.patientId} does not exist`);
    if (consent.status === 'revoked') return;
    consent.status = 'revoked';
    consent.revokedAt = txTime(ctx);
    await putJson(ctx, consentKey, consent);
    emit(ctx, 'ConsentRevoked', { consentId, patientId: who.patientId, grantee: consent.grantee });
  }

  @Transaction(false)
  @Returns('string')
  async ListMine(ctx: Context, pageSize: string, bookmark: string): Promise<string> {
    const who = await thePatient(ctx);
    return listPage(ctx, 'consent', [who.patientId], { pageSize, bookmark }, (consent) =>
      Promise.resolve(consent as Consent),
    );
  }
}
