package flinksql

// Keyword identifies a bare identifier that is a SQL keyword, a type name or
// a built-in aggregate, compared case-insensitively. KwNone (0) marks plain
// identifiers. The set is what analysis, Normalize and type formatting need;
// it is not Flink's full reserved-word list.
type Keyword uint16

// Keywords, in no particular order. Only their identity matters.
const (
	KwNone Keyword = iota
	KwAll
	KwAlter
	KwAnalyze
	KwAnd
	KwArray
	KwAs
	KwAsc
	KwBegin
	KwBetween
	KwBigint
	KwBinary
	KwBoolean
	KwBuckets
	KwBy
	KwBytes
	KwCase
	KwCast
	KwCatalog
	KwChar
	KwComment
	KwConstraint
	KwCreate
	KwCross
	KwCube
	KwCumulate
	KwData
	KwDatabase
	KwDate
	KwDecimal
	KwDefine
	KwDesc
	KwDescribe
	KwDescriptor
	KwDistinct
	KwDistributed
	KwDouble
	KwDrop
	KwElse
	KwEnd
	KwEnforced
	KwExcept
	KwExecute
	KwExists
	KwExplain
	KwExtract
	KwFalse
	KwFloat
	KwFor
	KwFreshness
	KwFrom
	KwFull
	KwFunction
	KwGroup
	KwGrouping
	KwHash
	KwHaving
	KwHop
	KwIf
	KwIn
	KwInner
	KwInsert
	KwInt
	KwInteger
	KwIntersect
	KwInterval
	KwInto
	KwIs
	KwJoin
	KwKey
	KwLateral
	KwLeft
	KwLike
	KwLimit
	KwLoad
	KwLocal
	KwMap
	KwMatchRecognize
	KwMaterialized
	KwMeasures
	KwMetadata
	KwMinus
	KwMultiset
	KwNatural
	KwNot
	KwNull
	KwOf
	KwOn
	KwOr
	KwOrder
	KwOuter
	KwOver
	KwOverlay
	KwOverwrite
	KwPartition
	KwPartitioned
	KwPattern
	KwPosition
	KwPrimary
	KwQualify
	KwRaw
	KwRecursive
	KwRefreshMode
	KwReplace
	KwReset
	KwRight
	KwRollup
	KwRow
	KwSelect
	KwSession
	KwSet
	KwShow
	KwSmallint
	KwStatement
	KwString
	KwSubstring
	KwSystemTime
	KwTable
	KwTemporary
	KwThen
	KwTime
	KwTimestamp
	KwTimestampLtz
	KwTinyint
	KwTrim
	KwTrue
	KwTumble
	KwUnion
	KwUnload
	KwUnnest
	KwUse
	KwUsing
	KwValues
	KwVarbinary
	KwVarchar
	KwView
	KwVirtual
	KwWatermark
	KwWhen
	KwWhere
	KwWindow
	KwWith
	KwZone
	// Aggregate functions: a call outside OVER means a global or grouped
	// aggregation, which keeps state.
	KwAvg
	KwCount
	KwMax
	KwMin
	KwSum
	KwListagg
	KwCollect
	KwArrayAgg
	KwFirstValue
	KwLastValue
	KwStddevPop
	KwStddevSamp
	KwVarPop
	KwVarSamp
	KwJSONArrayagg
	KwJSONObjectagg
	// Clause words, interval units and functions Normalize upper-cases.
	KwYear
	KwMonth
	KwDay
	KwHour
	KwMinute
	KwSecond
	KwLeading
	KwTrailing
	KwBoth
	KwPlacing
	KwEscape
	KwAny
	KwSome
	KwRows
	KwRange
	KwPreceding
	KwFollowing
	KwUnbounded
	KwCurrent
	KwOffset
	KwFetch
	KwNext
	KwOnly
	KwMatch
	KwSimilar
	KwCoalesce
	KwRowNumber
	KwRank
	KwDenseRank
	KwNullif
	KwCurrentDate
	KwLocaltimestamp
	KwProctime
	KwUpper
	KwLower
	KwConcat
	KwNulls
	KwIncluding
	KwExcluding
	KwOptions
	KwGenerated
	KwWatermarks
	KwPartitions
	KwConstraints
	KwOverwriting
	KwFirst
	KwLast
	KwMinutes
	KwSeconds
	KwHours
	KwDays
	KwOne
	KwPer
	KwAfter
	KwSkip
	KwPast
	KwTo
	KwReturning
	KwDefault
	kwCount // number of keywords; keep last
)

// kwFlags describe how analysis treats a keyword.
type kwFlags uint8

const (
	// flagReserved keywords never start a table name after FROM/JOIN or a
	// CREATE/INSERT target: a table may be called `data` or `key`, but
	// not `where`.
	flagReserved kwFlags = 1 << iota
	// flagType words are upper-cased in normalized column types.
	flagType
	// flagAggregate marks aggregate functions.
	flagAggregate
	// flagUpper words are always upper-cased by Normalize: words Calcite
	// reserves, which cannot be unquoted names anyway. Other non-reserved
	// keywords keep their spelling where a name may stand.
	flagUpper
)

type kwInfo struct {
	word  string
	kw    Keyword
	flags kwFlags
}

// kwTable lists every keyword once, with its upper-case spelling.
var kwTable = [...]kwInfo{
	{"ALL", KwAll, flagReserved},
	{"ALTER", KwAlter, flagReserved},
	{"ANALYZE", KwAnalyze, 0},
	{"AND", KwAnd, flagReserved},
	{"ARRAY", KwArray, flagType},
	{"AS", KwAs, flagReserved},
	{"ASC", KwAsc, flagUpper},
	{"BEGIN", KwBegin, 0},
	{"BETWEEN", KwBetween, flagReserved},
	{"BIGINT", KwBigint, flagType},
	{"BINARY", KwBinary, flagType},
	{"BOOLEAN", KwBoolean, flagType},
	{"BUCKETS", KwBuckets, 0},
	{"BY", KwBy, flagReserved},
	{"BYTES", KwBytes, flagType},
	{"CASE", KwCase, flagReserved},
	{"CAST", KwCast, flagUpper},
	{"CATALOG", KwCatalog, 0},
	{"CHAR", KwChar, flagType},
	{"COMMENT", KwComment, 0},
	{"CONSTRAINT", KwConstraint, flagReserved},
	{"CREATE", KwCreate, flagReserved},
	{"CROSS", KwCross, flagReserved},
	{"CUBE", KwCube, flagUpper},
	{"CUMULATE", KwCumulate, 0},
	{"DATA", KwData, 0},
	{"DATABASE", KwDatabase, 0},
	{"DATE", KwDate, flagType},
	{"DECIMAL", KwDecimal, flagType},
	{"DEFINE", KwDefine, flagUpper},
	{"DESC", KwDesc, flagUpper},
	{"DESCRIBE", KwDescribe, flagUpper},
	{"DESCRIPTOR", KwDescriptor, 0},
	{"DISTINCT", KwDistinct, flagReserved},
	{"DISTRIBUTED", KwDistributed, 0},
	{"DOUBLE", KwDouble, flagType},
	{"DROP", KwDrop, flagReserved},
	{"ELSE", KwElse, flagReserved},
	{"END", KwEnd, flagReserved},
	{"ENFORCED", KwEnforced, 0},
	{"EXCEPT", KwExcept, flagReserved},
	{"EXECUTE", KwExecute, flagUpper},
	{"EXISTS", KwExists, flagReserved},
	{"EXPLAIN", KwExplain, flagUpper},
	{"EXTRACT", KwExtract, flagUpper},
	{"FALSE", KwFalse, flagReserved},
	{"FLOAT", KwFloat, flagType},
	{"FOR", KwFor, flagReserved},
	{"FRESHNESS", KwFreshness, 0},
	{"FROM", KwFrom, flagReserved},
	{"FULL", KwFull, flagReserved},
	{"FUNCTION", KwFunction, flagUpper},
	{"GROUP", KwGroup, flagReserved},
	{"GROUPING", KwGrouping, flagUpper},
	{"HASH", KwHash, 0},
	{"HAVING", KwHaving, flagReserved},
	{"HOP", KwHop, 0},
	{"IF", KwIf, flagUpper},
	{"IN", KwIn, flagReserved},
	{"INNER", KwInner, flagReserved},
	{"INSERT", KwInsert, flagReserved},
	{"INT", KwInt, flagType},
	{"INTEGER", KwInteger, flagType},
	{"INTERSECT", KwIntersect, flagReserved},
	{"INTERVAL", KwInterval, flagType},
	{"INTO", KwInto, flagReserved},
	{"IS", KwIs, flagReserved},
	{"JOIN", KwJoin, flagReserved},
	{"KEY", KwKey, 0},
	{"LATERAL", KwLateral, flagReserved},
	{"LEFT", KwLeft, flagReserved},
	{"LIKE", KwLike, flagReserved},
	{"LIMIT", KwLimit, flagReserved},
	{"LOAD", KwLoad, 0},
	{"LOCAL", KwLocal, flagType},
	{"MAP", KwMap, flagType},
	{"MATCH_RECOGNIZE", KwMatchRecognize, flagReserved},
	{"MATERIALIZED", KwMaterialized, 0},
	{"MEASURES", KwMeasures, flagUpper},
	{"METADATA", KwMetadata, 0},
	{"MINUS", KwMinus, flagReserved},
	{"MULTISET", KwMultiset, flagType},
	{"NATURAL", KwNatural, flagReserved},
	{"NOT", KwNot, flagReserved | flagType},
	{"NULL", KwNull, flagReserved | flagType},
	{"OF", KwOf, flagReserved},
	{"ON", KwOn, flagReserved},
	{"OR", KwOr, flagReserved},
	{"ORDER", KwOrder, flagReserved},
	{"OUTER", KwOuter, flagReserved},
	{"OVER", KwOver, flagReserved},
	{"OVERLAY", KwOverlay, flagUpper},
	{"OVERWRITE", KwOverwrite, 0},
	{"PARTITION", KwPartition, flagUpper},
	{"PARTITIONED", KwPartitioned, 0},
	{"PATTERN", KwPattern, flagUpper},
	{"POSITION", KwPosition, flagUpper},
	{"PRIMARY", KwPrimary, flagReserved},
	{"QUALIFY", KwQualify, flagReserved},
	{"RAW", KwRaw, flagType},
	{"RECURSIVE", KwRecursive, flagUpper},
	{"REFRESH_MODE", KwRefreshMode, 0},
	{"REPLACE", KwReplace, 0},
	{"RESET", KwReset, flagUpper},
	{"RIGHT", KwRight, flagReserved},
	{"ROLLUP", KwRollup, flagUpper},
	{"ROW", KwRow, flagType},
	{"SELECT", KwSelect, flagReserved},
	{"SESSION", KwSession, 0},
	{"SET", KwSet, flagReserved},
	{"SHOW", KwShow, 0},
	{"SMALLINT", KwSmallint, flagType},
	{"STATEMENT", KwStatement, 0},
	{"STRING", KwString, flagType},
	{"SUBSTRING", KwSubstring, flagUpper},
	{"SYSTEM_TIME", KwSystemTime, flagReserved},
	{"TABLE", KwTable, flagReserved},
	{"TEMPORARY", KwTemporary, 0},
	{"THEN", KwThen, flagReserved},
	{"TIME", KwTime, flagType},
	{"TIMESTAMP", KwTimestamp, flagType},
	{"TIMESTAMP_LTZ", KwTimestampLtz, flagType},
	{"TINYINT", KwTinyint, flagType},
	{"TRIM", KwTrim, flagUpper},
	{"TRUE", KwTrue, flagReserved},
	{"TUMBLE", KwTumble, 0},
	{"UNION", KwUnion, flagReserved},
	{"UNLOAD", KwUnload, 0},
	{"UNNEST", KwUnnest, flagReserved},
	{"USE", KwUse, 0},
	{"USING", KwUsing, flagReserved},
	{"VALUES", KwValues, flagReserved},
	{"VARBINARY", KwVarbinary, flagType},
	{"VARCHAR", KwVarchar, flagType},
	{"VIEW", KwView, 0},
	{"VIRTUAL", KwVirtual, 0},
	{"WATERMARK", KwWatermark, 0},
	{"WHEN", KwWhen, flagReserved},
	{"WHERE", KwWhere, flagReserved},
	{"WINDOW", KwWindow, flagReserved},
	{"WITH", KwWith, flagReserved | flagType},
	{"ZONE", KwZone, flagType},
	{"AVG", KwAvg, flagAggregate},
	{"COUNT", KwCount, flagAggregate},
	{"MAX", KwMax, flagAggregate},
	{"MIN", KwMin, flagAggregate},
	{"SUM", KwSum, flagAggregate},
	{"LISTAGG", KwListagg, flagAggregate},
	{"COLLECT", KwCollect, flagAggregate},
	{"ARRAY_AGG", KwArrayAgg, flagAggregate},
	{"FIRST_VALUE", KwFirstValue, flagAggregate},
	{"LAST_VALUE", KwLastValue, flagAggregate},
	{"STDDEV_POP", KwStddevPop, flagAggregate},
	{"STDDEV_SAMP", KwStddevSamp, flagAggregate},
	{"VAR_POP", KwVarPop, flagAggregate},
	{"VAR_SAMP", KwVarSamp, flagAggregate},
	{"JSON_ARRAYAGG", KwJSONArrayagg, flagAggregate},
	{"JSON_OBJECTAGG", KwJSONObjectagg, flagAggregate},
	{"YEAR", KwYear, flagUpper},
	{"MONTH", KwMonth, flagUpper},
	{"DAY", KwDay, flagUpper},
	{"HOUR", KwHour, flagUpper},
	{"MINUTE", KwMinute, flagUpper},
	{"SECOND", KwSecond, flagUpper},
	{"LEADING", KwLeading, flagUpper},
	{"TRAILING", KwTrailing, flagUpper},
	{"BOTH", KwBoth, flagUpper},
	{"PLACING", KwPlacing, flagUpper},
	{"ESCAPE", KwEscape, flagUpper},
	{"ANY", KwAny, flagUpper},
	{"SOME", KwSome, flagUpper},
	{"ROWS", KwRows, flagUpper},
	{"RANGE", KwRange, flagUpper},
	{"PRECEDING", KwPreceding, flagUpper},
	{"FOLLOWING", KwFollowing, flagUpper},
	{"UNBOUNDED", KwUnbounded, flagUpper},
	{"CURRENT", KwCurrent, flagUpper},
	{"OFFSET", KwOffset, flagUpper},
	{"FETCH", KwFetch, flagUpper},
	{"NEXT", KwNext, flagUpper},
	{"ONLY", KwOnly, flagUpper},
	{"MATCH", KwMatch, flagUpper},
	{"SIMILAR", KwSimilar, flagUpper},
	{"COALESCE", KwCoalesce, flagUpper},
	{"ROW_NUMBER", KwRowNumber, flagUpper},
	{"RANK", KwRank, flagUpper},
	{"DENSE_RANK", KwDenseRank, flagUpper},
	{"NULLIF", KwNullif, flagUpper},
	{"CURRENT_DATE", KwCurrentDate, flagUpper},
	{"LOCALTIMESTAMP", KwLocaltimestamp, flagUpper},
	{"PROCTIME", KwProctime, 0},
	{"UPPER", KwUpper, flagUpper},
	{"LOWER", KwLower, flagUpper},
	{"CONCAT", KwConcat, 0},
	{"NULLS", KwNulls, flagUpper},
	{"INCLUDING", KwIncluding, 0},
	{"EXCLUDING", KwExcluding, 0},
	{"OPTIONS", KwOptions, 0},
	{"GENERATED", KwGenerated, 0},
	{"WATERMARKS", KwWatermarks, 0},
	{"PARTITIONS", KwPartitions, 0},
	{"CONSTRAINTS", KwConstraints, 0},
	{"OVERWRITING", KwOverwriting, 0},
	{"FIRST", KwFirst, 0},
	{"LAST", KwLast, 0},
	{"MINUTES", KwMinutes, 0},
	{"SECONDS", KwSeconds, 0},
	{"HOURS", KwHours, 0},
	{"DAYS", KwDays, 0},
	{"ONE", KwOne, 0},
	{"PER", KwPer, 0},
	{"AFTER", KwAfter, 0},
	{"SKIP", KwSkip, 0},
	{"PAST", KwPast, 0},
	{"TO", KwTo, 0},
	{"RETURNING", KwReturning, 0},
	{"DEFAULT", KwDefault, 0},
}

// maxKwLen bounds the words worth looking up; longer identifiers are never
// keywords, so the lexer skips the lookup for them.
const maxKwLen = 16

// kwSlots (an open-addressing hash table of the keywords) and kwInfos are
// read-only lookup tables built once from kwTable. A lookup hashes three
// bytes and the length and compares one or two words: no allocation, and
// several times faster than a map keyed by an upper-cased copy.
const kwSlotCount = 1024 // a power of two, well above 4 × len(kwTable)

var (
	kwSlots = func() (t [kwSlotCount]kwInfo) {
		for _, k := range kwTable {
			j := kwHash([]byte(k.word))
			for t[j].kw != KwNone {
				j = (j + 1) & (kwSlotCount - 1)
			}
			t[j] = k
		}
		return t
	}()
	kwInfos = func() (t [kwCount]kwInfo) {
		for _, k := range kwTable {
			t[k.kw] = k
		}
		return t
	}()
)

func upperASCII(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}

// kwHash mixes the length and the upper-cased first, second and last bytes.
func kwHash(w []byte) int {
	h := uint32(len(w))*0x9E3779B1 ^ uint32(upperASCII(w[0]))*0x85EBCA77 ^ uint32(upperASCII(w[1]))*0xC2B2AE3D ^ uint32(upperASCII(w[len(w)-1]))*0x27D4EB2F
	return int((h ^ h>>15) & (kwSlotCount - 1))
}

// String is the keyword's upper-case spelling ("" for KwNone).
func (k Keyword) String() string {
	if k >= kwCount {
		return ""
	}
	return kwInfos[k].word
}

func (k Keyword) reserved() bool  { return k < kwCount && kwInfos[k].flags&flagReserved != 0 }
func (k Keyword) isType() bool    { return k < kwCount && kwInfos[k].flags&flagType != 0 }
func (k Keyword) aggregate() bool { return k < kwCount && kwInfos[k].flags&flagAggregate != 0 }

// upper reports whether Normalize always upper-cases k; such a word never
// starts an unquoted name either.
func (k Keyword) upper() bool {
	return k < kwCount && kwInfos[k].flags&(flagReserved|flagType|flagAggregate|flagUpper) != 0
}

// lookupKeyword returns the keyword spelled by word in any case, KwNone
// for other identifiers.
func lookupKeyword(word []byte) Keyword {
	if len(word) > maxKwLen || len(word) < 2 {
		return KwNone
	}
	for j := kwHash(word); ; j = (j + 1) & (kwSlotCount - 1) {
		e := &kwSlots[j]
		if e.kw == KwNone {
			return KwNone
		}
		if len(e.word) == len(word) && equalUpper(e.word, word) {
			return e.kw
		}
	}
}

// equalUpper compares an upper-case keyword with a word in any case.
func equalUpper(kw string, word []byte) bool {
	for i := 0; i < len(word); i++ {
		if kw[i] != upperASCII(word[i]) {
			return false
		}
	}
	return true
}
