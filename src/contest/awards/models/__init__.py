from contest.awards.models.awards import Award, AwardLevel
from contest.awards.models.certificates import Certificate, CertificateBatch

__all__ = ["Award", "AwardLevel", "Certificate", "CertificateBatch"]
