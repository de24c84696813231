// Type-checked (tsc --module nodenext) as CommonJS: the "require" condition's types resolve.
import dln = require('dlnflow');

export function widths(problem: dln.Problem): readonly number[] {
  const status: dln.RunStatus = 'completed';
  void status;
  return problem.widths;
}
