// spamwall-controld's command names: the one place they are spelled, used by
// controld's dispatch table and by spamwallctl and the tests that call them
// (docs/control-protocol.md lists their arguments and results).
#ifndef SPAMWALL_IPC_API_CONTROLD_API_H_
#define SPAMWALL_IPC_API_CONTROLD_API_H_

namespace spamwall::api::ctl {

inline constexpr char kHello[] = "hello";
inline constexpr char kPolicyCheck[] = "policy.check";
inline constexpr char kPolicyPush[] = "policy.push";
inline constexpr char kPolicyRollback[] = "policy.rollback";
inline constexpr char kPolicyShow[] = "policy.show";
inline constexpr char kStats[] = "stats";
inline constexpr char kQuarantineAdd[] = "quarantine.add";
inline constexpr char kQuarantineDel[] = "quarantine.del";
inline constexpr char kQuarantineList[] = "quarantine.list";
inline constexpr char kExemptAdd[] = "exempt.add";
inline constexpr char kExemptDel[] = "exempt.del";
inline constexpr char kExemptList[] = "exempt.list";
inline constexpr char kModeSet[] = "mode.set";
inline constexpr char kAuditTail[] = "audit.tail";

}  // namespace spamwall::api::ctl

#endif  // SPAMWALL_IPC_API_CONTROLD_API_H_
