#include "dataplane/sampler/flow_table_json.h"

namespace spamwall {

namespace sampler {
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ReassemblyCounters, segments, bytes_delivered,
                                   retransmitted_segments, overlap_bytes, overlap_conflicts,
                                   ooo_segments, ooo_buffer_full, out_of_window, gaps, gap_bytes,
                                   bytes_over_cap, after_fin, ooo_bytes_now)
}  // namespace sampler

namespace smtp {
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(SmtpCounters, sessions, messages, messages_incomplete, commands,
                                   replies, command_lines_too_long, reply_lines_too_long,
                                   text_lines_too_long, binary_lines, unknown_commands,
                                   unmatched_replies, bad_replies, pending_overflow, rcpts_not_kept,
                                   headers_truncated, reply_codes_not_kept, data_unterminated,
                                   data_before_reply, starttls_discarded_bytes, tls_bytes,
                                   auth_lines, message_bytes, gaps, gap_bytes)
}  // namespace smtp

namespace sampler {

// Field counts checked against the structs' sizes: a counter added to a
// struct and not here fails the build.
static_assert(sizeof(ReassemblyCounters) == 13 * sizeof(uint64_t));
static_assert(sizeof(smtp::SmtpCounters) == 24 * sizeof(uint64_t));
static_assert(sizeof(FlowTableCounters) ==
              9 * sizeof(uint64_t) + sizeof(ReassemblyCounters) + sizeof(smtp::SmtpCounters));

nlohmann::json FlowTableCountersJson(const FlowTableCounters& c) {
  return {{"flows_created", c.flows_created},
          {"flows_midstream", c.flows_midstream},
          {"flows_closed", c.flows_closed},
          {"flows_timed_out", c.flows_timed_out},
          {"flows_evicted", c.flows_evicted},
          {"flows_reused", c.flows_reused},
          {"flows_active", c.flows_active},
          {"segments", c.segments},
          {"segments_ignored", c.segments_ignored},
          {"reassembly", c.reassembly},
          {"smtp", c.smtp}};
}

}  // namespace sampler
}  // namespace spamwall
