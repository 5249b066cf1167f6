package importer

import "time"

// creditCodeChars are the characters of a 统一社会信用代码 (GB 32100-2015):
// digits and capitals without I, O, Z, S and V; a character's position is
// its value.
const creditCodeChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var creditCodeWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// ValidCreditCode reports whether s is an 18-character 统一社会信用代码 whose
// last character is the GB 32100-2015 check character of the first 17.
func ValidCreditCode(s string) bool {
	if len(s) != 18 {
		return false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := creditCodeValue(s[i])
		if v < 0 {
			return false
		}
		sum += v * creditCodeWeights[i]
	}
	check := (31 - sum%31) % 31
	return s[17] == creditCodeChars[check]
}

func creditCodeValue(c byte) int {
	for i := 0; i < len(creditCodeChars); i++ {
		if creditCodeChars[i] == c {
			return i
		}
	}
	return -1
}

var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// idCheckChars maps the weighted sum modulo 11 to the check character.
const idCheckChars = "10X98765432"

// ValidIDNumber reports whether s is an 18-character 公民身份号码 with a
// real date of birth and the GB 11643-1999 check character (X in capitals).
func ValidIDNumber(s string) bool {
	if len(s) != 18 {
		return false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
		sum += int(s[i]-'0') * idWeights[i]
	}
	if s[17] != idCheckChars[sum%11] {
		return false
	}
	birth, err := time.Parse("20060102", s[6:14])
	return err == nil && birth.Year() >= 1900
}
