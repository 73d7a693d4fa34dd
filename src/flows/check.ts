/** `npm run flows:check`: validates every flow in the catalogue and prints each problem with its path. */
import { CATALOGUE_DIR } from '../paths';
import { validateCatalogue } from './catalogue';
import { formatProblem } from './validate';

const dir = process.argv[2] ?? CATALOGUE_DIR;
const { catalogue, problems } = validateCatalogue(dir);
if (!catalogue) {
  console.error(`flows:check: ${problems.length} problem(s) in ${dir}`);
  for (const p of problems) console.error(`  ${formatProblem(p)}`);
  process.exit(1);
}
let nodes = 0;
for (const flow of catalogue.flows.values()) nodes += flow.definition.nodes.length;
console.log(`flows:check: ${catalogue.flows.size} flows, ${nodes} nodes, ${catalogue.topics.length} topics: all valid`);
