/** Pioneers of computing: the crowd's names read on the leaderboard as people, not as ids. */
const PEOPLE = [
  'Ada Lovelace',
  'Grace Hopper',
  'Alan Turing',
  'Katherine Johnson',
  'Edsger Dijkstra',
  'Barbara Liskov',
  'Donald Knuth',
  'Margaret Hamilton',
  'Dennis Ritchie',
  'Radia Perlman',
  'Claude Shannon',
  'Frances Allen',
  'John McCarthy',
  'Hedy Lamarr',
  'Ken Thompson',
  'Annie Easley',
  'Tim Berners-Lee',
  'Karen Spärck Jones',
  'Niklaus Wirth',
  'Mary Kenneth Keller',
] as const;

/** The name of the i-th simulated buyer (0-based): "Ada Lovelace 1", …, "Mary Kenneth Keller 1", "Ada Lovelace 2". */
export function buyerName(index: number): string {
  return `${PEOPLE[index % PEOPLE.length]} ${Math.floor(index / PEOPLE.length) + 1}`;
}
