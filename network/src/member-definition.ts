/**
 * What one member hands to the others, and how they read it: the small set of public files in
 * organizations/<member>/public/ (see {@link paths}.published). The member writes them from its
 * own folder in its own step; every step that concerns another member (the channel's genesis
 * configuration, committing the chaincode definition, reaching its peer) reads only these.
 *
 *   msp/cacerts/ca.pem         root of the member's enrolment certificates
 *   msp/tlscacerts/tlsca.pem   root of its nodes' TLS certificates
 *   msp/config.yaml            NodeOU config (client, peer, admin, orderer)
 *   orderer/identity.pem       its orderer's enrolment certificate (consenter identity)
 *   orderer/tls.pem            its orderer's TLS certificate (consenter client and server TLS)
 *   endpoints.json             its host name and the addresses of its peer and orderer
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { certFile, writeOrgMsp } from './identities';
import { type OrgSpec, paths, port } from './topology';

export interface Endpoint {
  host: string;
  port: number;
}

/** endpoints.json: where the member's nodes listen, as the other members reach them. */
export interface MemberEndpoints {
  name: string;
  mspId: string;
  /** The DNS name its TLS certificates carry (besides the addresses below). */
  hostname: string;
  peer: Endpoint;
  orderer: Endpoint;
  /** Its orderer's consensus listener, where the other consenters reach it. */
  ordererCluster: Endpoint;
}

/** A member as the others know it: its endpoints and the paths of its published certificates. */
export interface PublishedMember {
  endpoints: MemberEndpoints;
  msp: string;
  tlsCaCert: string;
  ordererIdentity: string;
  ordererTls: string;
}

/** The endpoints the member declares (from the topology: its address and port plan). */
export function declaredEndpoints(org: OrgSpec): MemberEndpoints {
  const at = (name: 'peer' | 'orderer' | 'ordererCluster'): Endpoint => ({ host: org.host, port: port(org, name) });
  return {
    name: org.name,
    mspId: org.mspId,
    hostname: org.hostname,
    peer: at('peer'),
    orderer: at('orderer'),
    ordererCluster: at('ordererCluster'),
  };
}

function member(org: OrgSpec, endpoints: MemberEndpoints): PublishedMember {
  const published = paths.published(org);
  return {
    endpoints,
    msp: published.msp,
    tlsCaCert: published.tlsCaCert,
    ordererIdentity: published.ordererIdentity,
    ordererTls: published.ordererTls,
  };
}

/** The member as it will publish itself, without reading its files (for planning and tests). */
export function declaredMember(org: OrgSpec): PublishedMember {
  return member(org, declaredEndpoints(org));
}

/**
 * The member's own step: writes its public files from its own folder (its MSP roots, its
 * orderer's certificates, its endpoints). Needs the member's identities to exist.
 */
export function publishMember(org: OrgSpec): void {
  const dirs = paths.org(org);
  const published = paths.published(org);
  writeOrgMsp(org);
  mkdirSync(path.dirname(published.ordererIdentity), { recursive: true });
  copyFileSync(certFile(path.join(dirs.orderer, 'msp')), published.ordererIdentity);
  copyFileSync(path.join(dirs.orderer, 'tls', 'server.crt'), published.ordererTls);
  writeFileSync(published.endpoints, JSON.stringify(declaredEndpoints(org), null, 2) + '\n');
}

function isEndpoint(value: unknown): value is Endpoint {
  const e = value as Partial<Endpoint> | undefined;
  return typeof e?.host === 'string' && e.host !== '' && Number.isInteger(e.port);
}

/**
 * Another member as it published itself: its endpoints.json, checked, and its certificates,
 * which must all be there. Throws naming what is missing or wrong.
 */
export function readPublished(org: OrgSpec): PublishedMember {
  const published = paths.published(org);
  if (!existsSync(published.endpoints)) {
    throw new Error(`${org.name} has published no endpoints (${published.endpoints} is missing)`);
  }
  const endpoints = JSON.parse(readFileSync(published.endpoints, 'utf8')) as Partial<MemberEndpoints>;
  if (endpoints.name !== org.name || endpoints.mspId !== org.mspId) {
    throw new Error(`${published.endpoints} describes ${String(endpoints.mspId)}, not ${org.mspId}`);
  }
  if (typeof endpoints.hostname !== 'string' || !endpoints.hostname) {
    throw new Error(`${published.endpoints} names no hostname`);
  }
  for (const name of ['peer', 'orderer', 'ordererCluster'] as const) {
    if (!isEndpoint(endpoints[name])) throw new Error(`${published.endpoints}: ${name} needs a host and a port`);
  }
  const result = member(org, endpoints as MemberEndpoints);
  const files = [
    result.ordererIdentity,
    result.ordererTls,
    published.caCert,
    result.tlsCaCert,
    path.join(result.msp, 'config.yaml'),
  ];
  const missing = files.filter((file) => !existsSync(file));
  if (missing.length > 0) throw new Error(`${org.name} has not published ${missing.join(', ')}`);
  return result;
}

/** `host:port` of an endpoint. */
export const hostPort = (e: Endpoint) => `${e.host}:${String(e.port)}`;
