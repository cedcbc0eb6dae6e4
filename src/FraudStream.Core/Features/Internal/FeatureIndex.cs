namespace FraudStream.Features.Internal;

/// <summary>Positions of the features in the vector; <see cref="Names"/> lists them in the same order.</summary>
internal static class FeatureIndex
{
    // Per call.
    public const int CallerAnonymous = 0;
    public const int CallerNonNanp = 1;
    public const int NanpCallerFromOutsideUsCa = 2;
    public const int OriginOutsideUsCa = 3;
    public const int CallerOnDoNotOriginateList = 4;
    public const int CallerCountryDisagreesWithOrigin = 5;
    public const int CallerHighRiskCallingCode = 6;
    public const int CallerTollFree = 7;
    public const int CalleeTollFree = 8;
    public const int AttestA = 9;
    public const int AttestB = 10;
    public const int AttestC = 11;
    public const int AttestNone = 12;
    public const int DispositionAnswered = 13;
    public const int DispositionNoAnswer = 14;
    public const int DispositionBusy = 15;
    public const int DispositionFailedOrRejected = 16;
    public const int RingSeconds = 17;
    public const int TalkSecondsLog1p = 18;
    public const int CalleeLocalHour = 19;
    public const int CalleeLocalWeekend = 20;
    public const int CallerCalleeSameNpaNxx = 21;
    public const int CallerCalleeSameNpa = 22;

    // By caller.
    public const int CallerCalls10m = 23;
    public const int CallerCalls24h = 24;
    public const int CallerNewCalleeShare24h = 25;
    public const int CallerAnswerRatio24h = 26;
    public const int CallerShortCallRatio24h = 27;
    public const int CallerMeanTalkSeconds24h = 28;
    public const int CallerSequentialDialShare24h = 29;
    public const int CallerCallbackShare24h = 30;

    // By trunk.
    public const int TrunkRate1mVs1h = 31;
    public const int TrunkRate1hVs24h = 32;
    public const int TrunkNewCallerShare1h = 33;
    public const int TrunkAnswerRatio1h = 34;
    public const int TrunkNotAAnswerRatio1h = 35;
    public const int TrunkShortCallRatio1h = 36;
    public const int TrunkBlastShare1h = 37;
    public const int TrunkMeanTalkSeconds1h = 38;
    public const int TrunkNpaNxxMatchShare1h = 39;
    public const int TrunkUnsignedOrCShare1h = 40;
    public const int TrunkSequentialDialShare1h = 41;
    public const int TrunkCallerOriginMismatchShare1h = 42;
    public const int TrunkCallbackShare1h = 43;

    // By callee.
    public const int CalleeCalls1h = 44;
    public const int CalleeCalls24h = 45;
    public const int CalleeDistinctCallers24h = 46;
    public const int CalleeForeignOriginCalls24h = 47;
    public const int CalleeUnsignedCalls24h = 48;
    public const int CalleeSuspiciousTrunkBefore24h = 49;

    // By caller-callee pair.
    public const int PairCallsBefore7d = 50;
    public const int PairTalkMinutesBefore7d = 51;
    public const int CalleeCalledCallerBefore7d = 52;

    public const int Count = 53;

    /// <summary>The names, in index order.</summary>
    public static readonly string[] Names =
    [
        "caller_anonymous",
        "caller_non_nanp",
        "nanp_caller_from_outside_us_ca",
        "origin_outside_us_ca",
        "caller_on_do_not_originate_list",
        "caller_country_disagrees_with_origin",
        "caller_high_risk_calling_code",
        "caller_toll_free",
        "callee_toll_free",
        "attest_a",
        "attest_b",
        "attest_c",
        "attest_none",
        "disposition_answered",
        "disposition_no_answer",
        "disposition_busy",
        "disposition_failed_or_rejected",
        "ring_seconds",
        "talk_seconds_log1p",
        "callee_local_hour",
        "callee_local_weekend",
        "caller_callee_same_npa_nxx",
        "caller_callee_same_npa",
        "caller_calls_10m",
        "caller_calls_24h",
        "caller_new_callee_share_24h",
        "caller_answer_ratio_24h",
        "caller_short_call_ratio_24h",
        "caller_mean_talk_seconds_24h",
        "caller_sequential_dial_share_24h",
        "caller_callback_share_24h",
        "trunk_rate_1m_vs_1h",
        "trunk_rate_1h_vs_24h",
        "trunk_new_caller_share_1h",
        "trunk_answer_ratio_1h",
        "trunk_not_a_answer_ratio_1h",
        "trunk_short_call_ratio_1h",
        "trunk_blast_share_1h",
        "trunk_mean_talk_seconds_1h",
        "trunk_npa_nxx_match_share_1h",
        "trunk_unsigned_or_c_share_1h",
        "trunk_sequential_dial_share_1h",
        "trunk_caller_origin_mismatch_share_1h",
        "trunk_callback_share_1h",
        "callee_calls_1h",
        "callee_calls_24h",
        "callee_distinct_callers_24h",
        "callee_foreign_origin_calls_24h",
        "callee_unsigned_calls_24h",
        "callee_suspicious_trunk_before_24h",
        "pair_calls_before_7d",
        "pair_talk_minutes_before_7d",
        "callee_called_caller_before_7d",
    ];
}
