/** The portal reads the gateway's event stream with fetch and this parser (EventSource cannot authenticate). */
import { blockOfEventId, SseParser } from '../../../portal/src/sse';

describe('the portal event-stream parser', () => {
  it('answers each event once its blank line arrives, however the text is split', () => {
    const text = 'id: 12-ab01\nevent: ConsentGranted\ndata: {"consentId":"CON-1"}\n\n';
    for (let cut = 1; cut < text.length; cut += 1) {
      const parser = new SseParser();
      const events = [...parser.push(text.slice(0, cut)), ...parser.push(text.slice(cut))];
      expect(events).toEqual([{ id: '12-ab01', event: 'ConsentGranted', data: '{"consentId":"CON-1"}' }]);
    }
  });

  it('joins data lines, ignores comments, keeps the last id and names unnamed events message', () => {
    const parser = new SseParser();
    const events = parser.push(': keep-alive\r\nid: 3-ff\r\ndata: a\r\ndata: b\r\n\r\ndata: c\r\n\r\n');
    expect(events).toEqual([
      { id: '3-ff', event: 'message', data: 'a\nb' },
      { id: '3-ff', event: 'message', data: 'c' },
    ]);
  });

  it('dispatches nothing for a block without data, nor for a line not yet ended', () => {
    const parser = new SseParser();
    expect(parser.push('event: ping\n\n')).toEqual([]);
    expect(parser.push('data: half')).toEqual([]);
    expect(parser.push('\r')).toEqual([]);
    expect(parser.push('\n\n')).toEqual([{ id: undefined, event: 'message', data: 'half' }]);
  });

  it("reads the block from the gateway's event ids and nothing from other ids", () => {
    expect(blockOfEventId('1042-9f8e')).toBe(1042);
    expect(blockOfEventId('x-9f8e')).toBeUndefined();
    expect(blockOfEventId(undefined)).toBeUndefined();
  });
});
