/**
 * Signatures on a channel configuration update, exchanged as files. The update travels as an
 * envelope (`update.pb`, what {@link proposeUpdate} writes); each member's admin signs it on its
 * own machine and sends back only its signature (a small JSON file naming the update it signs);
 * the member that submits gathers them into the envelope. The update's bytes are never decoded
 * and re-encoded on the way: a signature covers exactly those bytes.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { common, msp } from '@hyperledger/fabric-protos';

/** A member's signature on an update, as the signature file holds it. */
export interface UpdateSignature {
  /** SHA-256 (hex) of the config update the signature covers. */
  update: string;
  /** The MSP of the admin that signed. */
  mspId: string;
  /** The signature header (the signer's certificate and a nonce), base64. */
  signatureHeader: string;
  /** The signature over header and update, base64. */
  signature: string;
}

/** Raised when a signature file or an update file cannot be used; says which and why. */
export class UpdateSignatureError extends Error {
  override readonly name = 'UpdateSignatureError';
}

interface Update {
  payload: common.Payload;
  updateEnvelope: common.ConfigUpdateEnvelope;
}

function readUpdate(envelopeFile: string): Update {
  try {
    const envelope = common.Envelope.deserializeBinary(readFileSync(envelopeFile));
    const payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
    const updateEnvelope = common.ConfigUpdateEnvelope.deserializeBinary(payload.getData_asU8());
    if (updateEnvelope.getConfigUpdate_asU8().length === 0) throw new Error('it holds no config update');
    return { payload, updateEnvelope };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UpdateSignatureError(`${envelopeFile} is not a channel config update envelope (${reason})`);
  }
}

/** SHA-256 (hex) of the config update in an envelope file: what a signature file names. */
export function updateDigest(envelopeFile: string): string {
  const { updateEnvelope } = readUpdate(envelopeFile);
  return createHash('sha256').update(updateEnvelope.getConfigUpdate_asU8()).digest('hex');
}

/** The MSP ID of a config signature's signer, from its signature header. */
function signerOf(signature: common.ConfigSignature): string {
  const header = common.SignatureHeader.deserializeBinary(signature.getSignatureHeader_asU8());
  return msp.SerializedIdentity.deserializeBinary(header.getCreator_asU8()).getMspid();
}

/** The MSP IDs of the admins whose signatures the envelope holds, in order. */
export function envelopeSigners(envelopeFile: string): string[] {
  return readUpdate(envelopeFile).updateEnvelope.getSignaturesList().map(signerOf);
}

/**
 * The signature the envelope's last signer added (the envelope came back from
 * `peer channel signconfigtx`), as a signature file's content.
 */
export function lastSignature(envelopeFile: string): UpdateSignature {
  const signatures = readUpdate(envelopeFile).updateEnvelope.getSignaturesList();
  const last = signatures[signatures.length - 1];
  if (!last) throw new UpdateSignatureError(`${envelopeFile} holds no signature`);
  return {
    update: updateDigest(envelopeFile),
    mspId: signerOf(last),
    signatureHeader: Buffer.from(last.getSignatureHeader_asU8()).toString('base64'),
    signature: Buffer.from(last.getSignature_asU8()).toString('base64'),
  };
}

/** Reads a signature file, checking its shape. */
export function readSignatureFile(file: string): UpdateSignature {
  let value: Partial<UpdateSignature>;
  try {
    value = JSON.parse(readFileSync(file, 'utf8')) as Partial<UpdateSignature>;
  } catch (error) {
    throw new UpdateSignatureError(`${file} is not a signature file (${error instanceof Error ? error.message : ''})`);
  }
  const fields = ['update', 'mspId', 'signatureHeader', 'signature'] as const;
  const missing = fields.filter((f) => typeof value[f] !== 'string' || value[f] === '');
  if (missing.length > 0) throw new UpdateSignatureError(`${file} is not a signature file: no ${missing.join(', ')}`);
  return value as UpdateSignature;
}

/**
 * Writes `out`: the envelope with the signatures added (those whose signer's MSP signed it
 * already are left out). Every signature must be on this envelope's update and claim the MSP
 * its header names; otherwise nothing is written.
 */
export function addSignatures(envelopeFile: string, signatures: readonly UpdateSignature[], out: string): void {
  const { payload, updateEnvelope } = readUpdate(envelopeFile);
  const digest = updateDigest(envelopeFile);
  const signed = new Set(updateEnvelope.getSignaturesList().map(signerOf));
  for (const given of signatures) {
    if (given.update !== digest) {
      throw new UpdateSignatureError(
        `${given.mspId}'s signature is on another update (${given.update.slice(0, 12)}…, this one is ${digest.slice(0, 12)}…): ask for a signature on this file`,
      );
    }
    const signature = new common.ConfigSignature();
    signature.setSignatureHeader(Buffer.from(given.signatureHeader, 'base64'));
    signature.setSignature(Buffer.from(given.signature, 'base64'));
    const signer = signerOf(signature);
    if (signer !== given.mspId) {
      throw new UpdateSignatureError(`a signature file says ${given.mspId} but was signed by ${signer}`);
    }
    if (signed.has(signer)) continue;
    signed.add(signer);
    updateEnvelope.addSignatures(signature);
  }
  payload.setData(updateEnvelope.serializeBinary());
  const envelope = new common.Envelope();
  envelope.setPayload(payload.serializeBinary());
  writeFileSync(out, envelope.serializeBinary());
}

/** How many members' admins make a majority of `members` (the channel's MAJORITY Admins). */
export function majorityOf(members: number): number {
  return Math.floor(members / 2) + 1;
}
