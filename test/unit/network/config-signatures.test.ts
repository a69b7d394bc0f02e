import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { common, msp } from '@hyperledger/fabric-protos';
import {
  addSignatures,
  envelopeSigners,
  lastSignature,
  majorityOf,
  readSignatureFile,
  updateDigest,
  type UpdateSignature,
  UpdateSignatureError,
} from '../../../network/src/config-signatures';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'config-signatures-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function configSignature(mspId: string): common.ConfigSignature {
  const creator = new msp.SerializedIdentity();
  creator.setMspid(mspId);
  creator.setIdBytes(Buffer.from(`certificate of ${mspId}`));
  const header = new common.SignatureHeader();
  header.setCreator(creator.serializeBinary());
  header.setNonce(randomBytes(24));
  const signature = new common.ConfigSignature();
  signature.setSignatureHeader(header.serializeBinary());
  signature.setSignature(randomBytes(70));
  return signature;
}

/** An envelope file as proposeUpdate writes it (or signconfigtx returns it, with signatures). */
function envelopeFile(name: string, update: Uint8Array, signers: string[] = []): string {
  const updateEnvelope = new common.ConfigUpdateEnvelope();
  updateEnvelope.setConfigUpdate(update);
  for (const signer of signers) updateEnvelope.addSignatures(configSignature(signer));
  const payload = new common.Payload();
  payload.setHeader(new common.Header());
  payload.setData(updateEnvelope.serializeBinary());
  const envelope = new common.Envelope();
  envelope.setPayload(payload.serializeBinary());
  const file = path.join(dir, name);
  writeFileSync(file, envelope.serializeBinary());
  return file;
}

const UPDATE = Buffer.from('the config update bytes, as configtxlator computed them');

function configUpdateOf(file: string): Uint8Array {
  const payload = common.Payload.deserializeBinary(
    common.Envelope.deserializeBinary(readFileSync(file)).getPayload_asU8(),
  );
  return common.ConfigUpdateEnvelope.deserializeBinary(payload.getData_asU8()).getConfigUpdate_asU8();
}

describe('signatures on a config update, exchanged as files', () => {
  it("takes the signer's signature out of the envelope it signed, naming the update and the signer", () => {
    const signed = envelopeFile('signed.pb', UPDATE, ['HospitalAMSP', 'LabMSP']);
    const signature = lastSignature(signed);
    expect(signature.mspId).toBe('LabMSP');
    expect(signature.update).toBe(createHash('sha256').update(UPDATE).digest('hex'));
    expect(signature.update).toBe(updateDigest(signed));
  });

  it('gathers the signatures into the envelope without touching the update, each signer once', () => {
    const unsigned = envelopeFile('update.pb', UPDATE);
    const fromA = lastSignature(envelopeFile('a.pb', UPDATE, ['HospitalAMSP']));
    const fromLab = lastSignature(envelopeFile('lab.pb', UPDATE, ['LabMSP']));
    const out = path.join(dir, 'merged.pb');
    addSignatures(unsigned, [fromA, fromLab, fromA], out);
    expect(envelopeSigners(out)).toEqual(['HospitalAMSP', 'LabMSP']);
    expect(Buffer.from(configUpdateOf(out))).toEqual(UPDATE);
    expect(lastSignature(out)).toEqual(fromLab);
  });

  it('refuses a signature on another update, and one whose claimed signer is not its signer; writes nothing', () => {
    const unsigned = envelopeFile('update.pb', UPDATE);
    const other = lastSignature(envelopeFile('other.pb', Buffer.from('another update'), ['HospitalBMSP']));
    const out = path.join(dir, 'merged.pb');
    expect(() => {
      addSignatures(unsigned, [other], out);
    }).toThrow(/HospitalBMSP's signature is on another update .*: ask for a signature on this file/);
    const forged: UpdateSignature = {
      ...lastSignature(envelopeFile('b.pb', UPDATE, ['HospitalBMSP'])),
      mspId: 'InsurerMSP',
    };
    expect(() => {
      addSignatures(unsigned, [forged], out);
    }).toThrow('a signature file says InsurerMSP but was signed by HospitalBMSP');
    expect(() => readFileSync(out)).toThrow();
  });

  it('refuses files that are not an update or not a signature', () => {
    const junk = path.join(dir, 'junk.pb');
    writeFileSync(junk, 'not a protobuf envelope at all');
    expect(() => updateDigest(junk)).toThrow(UpdateSignatureError);
    const notSignature = path.join(dir, 'sig.json');
    writeFileSync(notSignature, JSON.stringify({ mspId: 'LabMSP' }));
    expect(() => readSignatureFile(notSignature)).toThrow(
      'is not a signature file: no update, signatureHeader, signature',
    );
    expect(() => lastSignature(envelopeFile('none.pb', UPDATE))).toThrow('holds no signature');
  });

  it.each([
    [4, 3],
    [5, 3],
    [6, 4],
  ])('counts a majority of %i members as %i', (members, majority) => {
    expect(majorityOf(members)).toBe(majority);
  });
});
