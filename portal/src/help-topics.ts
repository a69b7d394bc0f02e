/** The portal's help topics (portal/help/*.md), bundled into the script at build as text. */
import accessLog from '../help/access-log.md';
import consents from '../help/consents.md';
import doctorRecords from '../help/doctor-records.md';
import labOrders from '../help/lab-orders.md';
import liveUpdates from '../help/live-updates.md';
import messages from '../help/messages.md';
import records from '../help/records.md';
import signIn from '../help/sign-in.md';
import { type HelpTopic, parseTopic } from './help-match';

export const HELP_TOPICS: HelpTopic[] = Object.entries({
  'access-log': accessLog,
  consents,
  'doctor-records': doctorRecords,
  'lab-orders': labOrders,
  'live-updates': liveUpdates,
  messages,
  records,
  'sign-in': signIn,
}).map(([id, markdown]) => parseTopic(id, markdown));
