"""With --exact, the sampled branch and range counts scaled by the period
agree with the true counts within the error sampling predicts.

Estimator (what LBR-based profilers do): a sample carries the last D taken
branches and is taken every P-th taken branch, so an occurrence of branch b
lands in a sample with rate D/P; with k_b appearances in all stacks,
N_b_hat = k_b * P / D (ranges: D-1 per stack, N_hat = k * P / (D-1)).

Bound: with S = T/P samples, k_b = sum over samples of c_j, c_j in [0, D]
the occurrences of b in stack j. Treating the phase of the sampling against
the program as random, E[k] = N D / P and
Var(k) <= sum E[c_j^2] <= D * sum E[c_j] = D * E[k] = D^2 N / P,
so sd(N_hat) = (P/D) sd(k) <= sqrt(N * P), whatever the clustering of b
inside a stack. (Sampled "ranges" across a signal delivery are not real
ranges, as on hardware; at most 1% of them are tolerated.) The test asserts |N_hat - N| <= 5 sqrt(N P) + P for every
branch and range (the + P covers the partial period at the end), and that
the total is exact: sum of N_hat over branches = S * P, T - P < S P <= T.
It also requires that the hottest entries carry real information (N >= 50 P,
where 5 sqrt(N P) + P is below 75% of N) so the check is not vacuous."""
import math
import lbremu_testlib as t

a = t.parse_args(__doc__)
t.need("perf")
prog = t.compile_c(a, "hot.c", "hot_pie")
mixed = t.compile_c(a, "mixed.c", "mixed")
P = 1009
# mixed.c spreads its branches thin (no entry reaches 50P); it checks the
# bound on many kinds of branches, hot.c checks it on dominant ones.
for name, cmd, depth, min_inform in (("hot", [prog, "1200000"], 32, 2),
                                     ("mixed", [mixed, "40000"], 16, 0)):
    data = t.lbr_emu(a, name + ".data", cmd, "--exact", "--period", str(P),
                     "--depth", str(depth))
    gt = t.read_exact(data + ".exact")
    taken, _, nsamples, period, D = gt["T"]
    samples, _ = t.perf_script_samples(data)
    if len(samples) != nsamples:
        t.fail("%s: perf script shows %d samples, ground truth says %d" %
               (name, len(samples), nsamples))
    kb, kr = {}, {}
    full = 0
    for ip, br in samples:
        if len(br) != D:
            continue  # the stack is not full yet only at the very start
        full += 1
        for e in br:
            kb[e] = kb.get(e, 0) + 1
        # newest first: range = (to of older entry, from of newer entry)
        for newer, older in zip(br, br[1:]):
            r = (older[1], newer[0])
            kr[r] = kr.get(r, 0) + 1
    if not (taken - P < nsamples * P <= taken):
        t.fail("%s: %d samples x %d does not match %d taken" % (name, nsamples, P, taken))
    worst = 0.0
    informative = 0
    for kind, k, div in (("B", kb, D), ("R", kr, D - 1)):
        for key, n in gt[kind].items():
            est = k.get(key, 0) * P / div
            bound = 5 * math.sqrt(n * P) + P
            worst = max(worst, abs(est - n) / bound)
            if abs(est - n) > bound:
                t.fail("%s: %s %x->%x: true %d, estimated %.0f, bound %.0f" %
                       (name, kind, key[0], key[1], n, est, bound))
            if n >= 50 * P:
                informative += 1
        # Every sampled branch happened. A sampled "range" may not exist when
        # control moved without a user branch between two entries (signal
        # delivery / sigreturn), as on real hardware: allow 1% of them.
        phantom = sum(c for key, c in k.items() if key not in gt[kind])
        limit = 0 if kind == "B" else 0.01 * sum(k.values())
        if phantom > limit:
            t.fail("%s: %d sampled %s entries never happened" % (name, phantom, kind))
    if informative < min_inform:
        t.fail("%s: only %d branches/ranges with N >= 50P; test too weak" % (name, informative))
    print("%s: %d samples, %d informative entries, worst |err|/bound = %.2f" %
          (name, nsamples, informative, worst))
print("PASS")
