import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import { contractName } from '@ehr/protocol';
import { getPatient, isThePatient, writeBasis } from './basis';
import { ChaincodeError, forbidden, invalid } from './errors';
import { type Caller, callerWithRole } from './identity';
import { canonicalJson } from './json';
import {
  emit,
  getJson,
  implicitCollection,
  listJson,
  listPage,
  putPrivate,
  requirePrivateHash,
  sha256Hex,
  transientJson,
  txTime,
} from './ledger';
import { filePending } from './pending';
import {
  bindingKey,
  bodyKey,
  category,
  getHeader,
  headerKey,
  requireBinding,
  saveRecordVersion,
  storeBinding,
  versionKey,
} from './records';
import { alreadyExists, createOnce, requestedId } from './requests';
import {
  isPatientReported,
  parseRecordBody,
  type RecordHeader,
  type RecordSource,
  type RecordVersion,
} from './types/record';
import type { RecordCategory } from './types/vocabulary';
import { hex64, id, parseObject } from './validate';

async function storeBody(
  ctx: Context,
  who: Caller,
  ids: { recordId: string; version: number; patientId: string; category: RecordCategory },
): Promise<string> {
  const body = parseRecordBody(parseObject(transientJson(ctx, 'body'), 'body'), ids);
  const { recordId, version } = ids;
  const contentHash = await putPrivate(ctx, [who.mspId], ids.patientId, bodyKey(ctx, recordId, version), body);
  await storeBinding(ctx, who.mspId, { ...ids, contentHash });
  await filePending(ctx, [who.mspId], {
    kind: 'recordBody',
    id: recordId,
    patientId: ids.patientId,
    version,
    awaits: versionKey(ctx, recordId, version),
    holds: [bodyKey(ctx, recordId, version), bindingKey(ctx, recordId, version)],
  });
  return canonicalJson({ recordId, version, contentHash });
}

/** Who writes a record version and as what: a doctor for their member, or a patient about themself. */
interface Writer {
  who: Caller;
  source: RecordSource;
  /** The practitioner id, or the patientId of a patient-reported record. */
  author: string;
}

/**
 * A patient reports only about themself, registered and not erased, with a certificate of their
 * home member: that member is then the custodian of what they write.
 */
async function requireSelfReporting(ctx: Context, who: Caller, patientId: string): Promise<void> {
  const patient = await getPatient(ctx, patientId);
  if (!isThePatient(who, patient)) {
    throw forbidden('patients add records about themselves only, with a certificate of their home member');
  }
  if (patient.status !== 'active') throw new ChaincodeError('PURGED', `patient ${patientId} was erased`);
}

/**
 * Clinical records. Writing one takes two transactions: the body (transient `body`) goes into
 * the custodian's implicit collection in a transaction endorsed by the custodian alone; then
 * `Publish` writes the public header, endorsed by a majority whose peers check the body's hash.
 * Doctors write for their member; a patient adds their own history as patient-reported records
 * (`source: 'patient'`), held by their home member. Neither amends the other's records.
 */
@Info({ title: 'Records', description: 'Clinical record headers, bodies and versions' })
export class RecordContract extends Contract {
  constructor() {
    super(contractName('records'));
  }

  /**
   * Step 1 of a new record: stores version 1 of the body at the doctor's member, or, for a
   * patient reporting about themself, at their home member. A retried request (same
   * `requestKey`) stores its body again under the same record id, unless the record was
   * published: then ALREADY_EXISTS.
   */
  @Transaction()
  @Returns('string')
  async CreateBody(ctx: Context, patientId: string, categoryName: string): Promise<string> {
    const who = await callerWithRole(ctx, 'doctor', 'patient');
    const recordId = requestedId(ctx, 'records.CreateBody');
    if (await getJson<RecordHeader>(ctx, headerKey(ctx, recordId))) throw alreadyExists('record', recordId);
    const recordCategory = category(categoryName);
    await this.#creator(ctx, who, id(patientId, 'patientId'), recordCategory);
    return storeBody(ctx, who, { recordId, version: 1, patientId, category: recordCategory });
  }

  /** Step 1 of an amendment: stores the next version of the body at the custodian. */
  @Transaction()
  @Returns('string')
  async AmendBody(ctx: Context, recordId: string): Promise<string> {
    const who = await callerWithRole(ctx, 'doctor', 'patient');
    const header = await getHeader(ctx, recordId);
    await this.#amender(ctx, who, header);
    const { patientId } = header;
    return storeBody(ctx, who, { recordId, version: header.version + 1, patientId, category: header.category });
  }

  /**
   * Step 2: the public header of a stored body version, checked against its private hash and
   * against the binding stored with it (its patient and category). Answers what was published.
   * Publishing a version again with the same hash (a retry whose answer was lost) is refused
   * with ALREADY_EXISTS.
   */
  @Transaction()
  @Returns('string')
  async Publish(
    ctx: Context,
    recordId: string,
    patientId: string,
    categoryName: string,
    versionText: string,
    contentHash: string,
  ): Promise<string> {
    const version = Number(versionText);
    const who = await callerWithRole(ctx, 'doctor', 'patient');
    const recordCategory = category(categoryName);
    id(recordId, 'recordId');
    hex64(contentHash, 'contentHash');
    if (!/^[1-9]\d{0,5}$/.test(versionText)) throw invalid('version must be a positive integer');
    const published = await getJson<RecordVersion>(ctx, versionKey(ctx, recordId, version));
    if (published?.contentHash === contentHash) {
      throw new ChaincodeError('ALREADY_EXISTS', `record ${recordId} version ${version} is published`);
    }
    await requirePrivateHash(
      ctx,
      who.mspId,
      bodyKey(ctx, recordId, version),
      contentHash,
      `body of ${recordId} version ${version}`,
    );
    const existing = await getJson<RecordHeader>(ctx, headerKey(ctx, recordId));
    const now = txTime(ctx);
    const header = existing
      ? this.#amended(existing, await this.#amender(ctx, who, existing), {
          patientId,
          category: recordCategory,
          version,
          contentHash,
          now,
        })
      : await this.#created(ctx, who, { recordId, patientId, category: recordCategory, version, contentHash, now });
    await requireBinding(ctx, who.mspId, { recordId, version, patientId, category: recordCategory, contentHash });
    if (!existing) await createOnce(ctx, 'record', recordId);
    await saveRecordVersion(ctx, header);
    const { source } = header;
    emit(ctx, 'RecordAdded', { recordId, patientId, category: recordCategory, custodian: who.mspId, version, source });
    return canonicalJson({ recordId, version, contentHash });
  }

  async #created(
    ctx: Context,
    who: Caller,
    fields: {
      recordId: string;
      patientId: string;
      category: RecordCategory;
      version: number;
      contentHash: string;
      now: string;
    },
  ): Promise<RecordHeader> {
    if (fields.version !== 1) throw new ChaincodeError('CONFLICT', `record ${fields.recordId} has no version 1 yet`);
    const { source, author } = await this.#creator(ctx, who, id(fields.patientId, 'patientId'), fields.category);
    return {
      recordId: fields.recordId,
      patientId: fields.patientId,
      category: fields.category,
      custodian: who.mspId,
      author,
      source,
      version: 1,
      createdAt: fields.now,
      updatedAt: fields.now,
      contentHash: fields.contentHash,
      purged: false,
    };
  }

  #amended(
    header: RecordHeader,
    writer: Writer,
    fields: { patientId: string; category: RecordCategory; version: number; contentHash: string; now: string },
  ): RecordHeader {
    if (fields.patientId !== header.patientId || fields.category !== header.category) {
      throw invalid('an amendment keeps the record patient and category');
    }
    if (fields.version !== header.version + 1) {
      throw new ChaincodeError('CONFLICT', `record ${header.recordId} is at version ${header.version}`);
    }
    return {
      ...header,
      author: writer.author,
      version: fields.version,
      updatedAt: fields.now,
      contentHash: fields.contentHash,
    };
  }

  /**
   * Who may start a record of this patient: a doctor with a basis to write (SPEC §4), or the
   * patient about themself, in any category but lab results, which only a lab posts.
   */
  async #creator(ctx: Context, who: Caller, patientId: string, recordCategory: RecordCategory): Promise<Writer> {
    if (who.role === 'doctor') {
      await writeBasis(ctx, who, { patientId, category: recordCategory });
      return { who, source: 'clinician', author: who.practitionerId ?? '' };
    }
    await requireSelfReporting(ctx, who, patientId);
    if (recordCategory === 'lab-result') throw forbidden('patients do not report lab results: a lab posts them');
    return { who, source: 'patient', author: patientId };
  }

  /**
   * Who may amend a record: a doctor of the custodian a clinician's record, the patient their own
   * report. A patient's words are never rewritten by staff, nor clinical findings by the patient.
   */
  async #amender(ctx: Context, who: Caller, header: RecordHeader): Promise<Writer> {
    const reported = isPatientReported(header);
    let writer: Writer;
    if (who.role === 'doctor') {
      if (reported) throw forbidden('a patient-reported record is amended by the patient only');
      if (header.custodian !== who.mspId) throw forbidden(`only doctors of ${header.custodian} amend this record`);
      writer = { who, source: 'clinician', author: who.practitionerId ?? '' };
    } else {
      if (!reported) throw forbidden("patients amend only the records they reported, not clinicians'");
      await requireSelfReporting(ctx, who, header.patientId);
      writer = { who, source: 'patient', author: header.patientId };
    }
    if (header.purged) throw new ChaincodeError('PURGED', `record ${header.recordId} was erased`);
    return writer;
  }

  @Transaction(false)
  @Returns('string')
  async Get(ctx: Context, recordId: string): Promise<string> {
    const header = await getHeader(ctx, recordId);
    await this.#mayList(ctx, header.patientId);
    return canonicalJson(header);
  }

  @Transaction(false)
  @Returns('string')
  async History(ctx: Context, recordId: string): Promise<string> {
    const header = await getHeader(ctx, recordId);
    await this.#mayList(ctx, header.patientId);
    return canonicalJson(await listJson<RecordVersion>(ctx, 'recordVersion', recordId));
  }

  @Transaction(false)
  @Returns('string')
  async ListForPatient(ctx: Context, patientId: string, pageSize: string, bookmark: string): Promise<string> {
    await this.#mayList(ctx, id(patientId, 'patientId'));
    return listPage(ctx, 'patientRecord', [patientId], { pageSize, bookmark }, (entry) =>
      getJson<RecordHeader>(ctx, headerKey(ctx, (entry as { recordId: string }).recordId)),
    );
  }

  /**
   * Integrity check of the latest version against the public header. On the custodian's peer the
   * hash is recomputed from the stored body, so a body altered in the custodian's store shows as
   * a mismatch; other peers hold only the private data hash committed on the channel, which the
   * header was checked against when it was published (`checked` says which was used).
   */
  @Transaction(false)
  @Returns('string')
  async Verify(ctx: Context, recordId: string): Promise<string> {
    const header = await getHeader(ctx, recordId);
    await this.#mayList(ctx, header.patientId);
    const collection = implicitCollection(header.custodian);
    const stateKey = bodyKey(ctx, recordId, header.version);
    const committed = Buffer.from(await ctx.stub.getPrivateDataHash(collection, stateKey)).toString('hex');
    const held = await this.#heldBodyHash(ctx, collection, stateKey);
    const hashes = held === undefined ? [committed] : [committed, held];
    const status = committed === '' ? 'purged' : hashes.every((h) => h === header.contentHash) ? 'intact' : 'mismatch';
    const checked = held === undefined ? 'hash' : 'body';
    return canonicalJson({ recordId, version: header.version, contentHash: header.contentHash, status, checked });
  }

  /** SHA-256 of the body as this peer stores it; undefined on a peer that does not hold it. */
  async #heldBodyHash(ctx: Context, collection: string, stateKey: string): Promise<string | undefined> {
    try {
      const bytes = await ctx.stub.getPrivateData(collection, stateKey);
      return bytes.length === 0 ? undefined : sha256Hex(bytes);
    } catch {
      return undefined;
    }
  }

  /** Headers (no PHI) are for members' staff and for the patient they concern. */
  async #mayList(ctx: Context, patientId: string): Promise<void> {
    const who = await callerWithRole(ctx, 'patient', 'doctor', 'labtech', 'billing', 'adjuster', 'admin');
    // NOT_FOUND for a patient the ledger does not have: an empty list would say one exists.
    const patient = await getPatient(ctx, patientId);
    if (who.role === 'patient' && !isThePatient(who, patient)) {
      throw forbidden('patients see only their own records');
    }
  }
}
