/** A doctor's record form becomes the API's record body; a form with no content is refused before it is sent. */
import { fieldsOf, NO_FIELDS, recordContentOf } from '../../../portal/src/record-fields';

describe("the record content a doctor's form holds", () => {
  it('sends only the fields filled in, medication one a line and the next review as a time', () => {
    expect(
      recordContentOf({
        diagnosis: '  asthma, mild ',
        medication: 'salbutamol inhaler\r\n\n beclometasone 100 mcg \n',
        suggestion: '',
        nextReview: '2027-01-15',
        notes: '   ',
      }),
    ).toEqual({
      diagnosis: 'asthma, mild',
      medication: ['salbutamol inhaler', 'beclometasone 100 mcg'],
      nextReview: '2027-01-15T00:00:00Z',
    });
  });

  it('refuses a record with no content, a malformed review date and an overlong medication, naming it', () => {
    expect(() => recordContentOf({ ...NO_FIELDS, diagnosis: ' ', medication: '\n' })).toThrow(
      'a record needs some content',
    );
    expect(() => recordContentOf({ ...NO_FIELDS, nextReview: '15/01/2027' })).toThrow('the next review must be a date');
    expect(() => recordContentOf({ ...NO_FIELDS, medication: `ok\n${'m'.repeat(201)}` })).toThrow(
      'medication 2 is longer than 200 characters',
    );
  });

  it('starts an amendment from the current content, which reads back unchanged', () => {
    const current = {
      diagnosis: 'asthma',
      medication: ['salbutamol', 'beclometasone'],
      nextReview: '2027-01-15T00:00:00Z',
      notes: 'review inhaler technique',
    };
    const fields = fieldsOf(current);
    expect(fields).toEqual({
      diagnosis: 'asthma',
      medication: 'salbutamol\nbeclometasone',
      suggestion: '',
      nextReview: '2027-01-15',
      notes: 'review inhaler technique',
    });
    expect(recordContentOf(fields)).toEqual(current);
  });
});
