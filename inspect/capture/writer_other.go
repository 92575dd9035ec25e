//go:build !unix

package capture

// noFollow is 0 where the system has no O_NOFOLLOW; Create's O_EXCL
// still refuses a name that exists.
const noFollow = 0
