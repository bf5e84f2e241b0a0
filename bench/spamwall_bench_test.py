#!/usr/bin/python3
"""The suite's verdict-aware check (check_counts) and --compare, on counters
made to order: a leak, an over-drop, a wrong reason and TX loss each fail;
the counts of whole passes plus part of one pass are accepted."""
import importlib.machinery
import importlib.util
import os
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
loader = importlib.machinery.SourceFileLoader("spamwall_bench", os.path.join(HERE, "spamwall-bench"))
spec = importlib.util.spec_from_loader("spamwall_bench", loader)
bench = importlib.util.module_from_spec(spec)
loader.exec_module(bench)

MIX = {"frames": 100, "expect": {"none": 80, "consumer_smtp": 12, "mx_fence": 3, "quarantine": 2, "malformed": 3}}


def stats(passed, consumer, mx, quarantine, malformed, tx_failed=0):
    packets = passed + consumer + mx + quarantine + malformed
    return {"packets": packets, "passed": passed,
            "dropped": {"consumer_smtp": consumer, "mx_fence": mx, "quarantine": quarantine, "malformed": malformed},
            "would_drop": {"consumer_smtp": 0},
            "ports": [{"port": 0, "tx_failed": 0}, {"port": 1, "tx_failed": tx_failed}]}


class CheckCounts(unittest.TestCase):
    def test_one_exact_pass_is_correct(self):
        self.assertEqual(bench.check_counts(stats(80, 12, 3, 2, 3), MIX, True), [])

    def test_whole_passes_and_a_part_are_correct(self):
        # 10 passes and 7 more frames, 5 of them passed and 2 consumer_smtp.
        self.assertEqual(bench.check_counts(stats(805, 122, 30, 20, 30), MIX, False), [])

    def test_a_leak_fails(self):
        # One consumer_smtp frame passed instead of dropped.
        failures = bench.check_counts(stats(81, 11, 3, 2, 3), MIX, True)
        self.assertTrue(any("consumer_smtp" in f for f in failures), failures)
        failures = bench.check_counts(stats(8000 + 60, 1200 - 60, 300, 200, 300), MIX, False)
        self.assertTrue(any("consumer_smtp" in f for f in failures), failures)

    def test_an_over_drop_fails(self):
        failures = bench.check_counts(stats(7990, 1210, 300, 200, 300), MIX, False)
        self.assertTrue(any(f.startswith("passed") for f in failures), failures)

    def test_a_wrong_reason_fails(self):
        failures = bench.check_counts(stats(80, 12, 2, 3, 3), MIX, True)
        self.assertEqual(len(failures), 2, failures)

    def test_tx_loss_fails(self):
        failures = bench.check_counts(stats(80, 12, 3, 2, 3, tx_failed=4), MIX, True)
        self.assertTrue(any("tx_failed" in f for f in failures), failures)

    def test_an_unknown_reason_fails(self):
        s = stats(80, 12, 3, 2, 3)
        s["dropped"]["elsewhere"] = 1
        self.assertTrue(bench.check_counts(s, MIX, True))


class Compare(unittest.TestCase):
    def point(self, dp, ratio):
        return {"name": "vdev/1w/64/1000000p", "dataplane_mpps": {"median": dp}, "ratio": {"median": ratio}}

    def test_a_drop_past_the_threshold_fails(self):
        old = {"points": [self.point(20.0, 0.5)]}
        self.assertTrue(bench.compare(old, {"points": [self.point(19.0, 0.48)]}, 0.10))
        self.assertFalse(bench.compare(old, {"points": [self.point(17.0, 0.5)]}, 0.10))


if __name__ == "__main__":
    unittest.main()
